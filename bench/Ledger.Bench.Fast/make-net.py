# Writes /tmp/fastnet/four (the devnet's four validators) and /tmp/fastnet/solo (the bureau's node
# alone) on free ports, with the per-signer, mempool and rate limits raised for a one-signer load.
import json, os, shutil, socket

def free():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

src = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../network-config/devnet')
for name, keep in (('four', None), ('solo', ['node-bureau'])):
    d = f'/tmp/fastnet/{name}'
    shutil.rmtree(d, ignore_errors=True); shutil.copytree(src, d)
    files = sorted(f for f in os.listdir(d) if f.startswith('node-') and f.endswith('.json'))
    ports = {json.load(open(f'{d}/{f}'))['Node']['NodeId']: (free(), free()) for f in files}
    if keep:
        g = json.load(open(f'{d}/genesis.json'))
        g['validators'] = [v for v in g['validators'] if v['validatorId'] in keep]
        json.dump(g, open(f'{d}/genesis.json', 'w'), indent=2)
        for f in files:
            if json.load(open(f'{d}/{f}'))['Node']['NodeId'] not in keep:
                os.remove(f'{d}/{f}')
        files = [f for f in files if os.path.exists(f'{d}/{f}')]
    for f in files:
        j = json.load(open(f'{d}/{f}')); n = j['Node']
        n['ListenUrl'] = f"https://127.0.0.1:{ports[n['NodeId']][0]}"
        n['MetricsListenUrl'] = f"http://127.0.0.1:{ports[n['NodeId']][1]}"
        n['Peers'] = [{'ValidatorId': p['ValidatorId'], 'Url': f"https://127.0.0.1:{ports[p['ValidatorId']][0]}"} for p in n.get('Peers', []) if not keep or p['ValidatorId'] in keep]
        n.update(MempoolTransactionsPerSignerMax=200000, MempoolTransactionsMax=200000, SubmissionsPerSecondPerConnection=1000000, SubmissionBurstPerConnection=1000000)
        json.dump(j, open(f'{d}/{f}', 'w'), indent=2)
