using System.Text;
using Ledger.Core.Crypto;
using Ledger.Core.Protocol;

namespace Ledger.Core.Tests.Crypto;

public class HashTests
{
    [Fact]
    public void Sm3_of_abc_matches_GBT_32905_example_1()
    {
        var hash = Sm3Hash.Instance.Hash("abc"u8);

        Assert.Equal("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Sm3_of_64_byte_abcd_matches_GBT_32905_example_2()
    {
        var message = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcd", 16)));

        var hash = Sm3Hash.Instance.Hash(message);

        Assert.Equal("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Sha256_of_abc_matches_FIPS_180_example()
    {
        var hash = Sha256Hash.Instance.Hash("abc"u8);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Convert.ToHexStringLower(hash));
    }

    [Theory]
    [InlineData(HashAlgorithm.Sha256)]
    [InlineData(HashAlgorithm.Sm3)]
    public void Hash_of_two_parts_equals_hash_of_their_concatenation(HashAlgorithm algorithm)
    {
        var hash = NetworkHashes.For(algorithm);
        var first = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        var second = Enumerable.Range(0, 77).Select(i => (byte)(255 - i)).ToArray();

        Assert.Equal(hash.Hash([.. first, .. second]), hash.Hash(first, second));
        Assert.Equal(hash.Hash(first), hash.Hash(first, []));
        Assert.Equal(32, hash.HashBytes);
        Assert.Equal(algorithm, hash.Algorithm);
    }

    [Fact]
    public void Network_hash_is_one_shared_instance_per_algorithm()
    {
        Assert.Same(Sha256Hash.Instance, NetworkHashes.For(HashAlgorithm.Sha256));
        Assert.Same(Sm3Hash.Instance, NetworkHashes.For(HashAlgorithm.Sm3));
    }

    [Theory]
    [InlineData(HashAlgorithm.Unspecified)]
    [InlineData((HashAlgorithm)99)]
    public void Asking_for_an_unspecified_or_unknown_hash_is_a_caller_bug(HashAlgorithm algorithm)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NetworkHashes.For(algorithm));
    }
}
