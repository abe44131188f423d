#!/bin/bash
# Starts a fresh network from make-net.py on free ports, runs the driver against it, stops it.
# run.sh CLI_DLL NET(solo|four) TAG MODE COUNT CLIENTS BATCH
set -u
cli=$1; net=$2; tag=$3; shift 3
data=/tmp/fastnet/data-$tag
rm -rf $data
dotnet $cli devnet --dir $data --network /tmp/fastnet/$net > /tmp/fastnet/node-$tag.log 2>&1 &
pid=$!
for i in $(seq 1 120); do grep -q "devnet running" /tmp/fastnet/node-$tag.log && break; sleep 1; done
urls=$(grep -oE "https://127.0.0.1:[0-9]+" /tmp/fastnet/node-$tag.log | sort -u | tr '\n' ' ')
echo "nodes: $urls  ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ))"
dotnet /work/h-fast/bench/Ledger.Bench.Fast/bin/Release/net10.0/Ledger.Bench.Fast.dll "$@" /work/h-fast/network-config/devnet/keys/bureau.insecure.pem $data/tls/ca.pem $urls
kill -INT $pid; wait $pid
