namespace Ledger.Core.Tests.Crypto;

/// <summary>
/// Keys and signatures written by OpenSSL 3.0.19 (`openssl genpkey`, `openssl pkey -pubout`,
/// `openssl pkeyutl -sign -rawin`), kept so these checks run where no openssl is installed.
/// </summary>
internal static class OpenSslFixtures
{
    /// <summary>`openssl genpkey -algorithm SM2`; its public X coordinate starts with a zero byte.</summary>
    public const string Sm2PrivateKeyPem =
        """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgwidFOWfr3emFRPz4
        aOpwk7x6kzR44IYDh8ZHlPq5gM+hRANCAAQAUvX7Z5fBH0oUop3MD02aMDKEYMGT
        QvptEW4yP8Mv4w9Jo/tZ7wjYMly0PsrNlQIPvEa3W3tC0TdBoPJZKC5b
        -----END PRIVATE KEY-----

        """;

    public const string Sm2PublicKeyPem =
        """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEAFL1+2eXwR9KFKKdzA9NmjAyhGDB
        k0L6bRFuMj/DL+MPSaP7We8I2DJctD7KzZUCD7xGt1t7QtE3QaDyWSguWw==
        -----END PUBLIC KEY-----

        """;

    /// <summary>A second SM2 key whose private scalar starts with a zero byte: OpenSSL pads d to 32 bytes.</summary>
    public const string Sm2LeadingZeroPrivateKeyPem =
        """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqBHM9VAYItBG0wawIBAQQgADqq5tQDmcIfft8i
        O3pwXeRbZxfcDJOsJd5rTKvy6jqhRANCAASJN0pE/oI46shhgqmdmxN4jdqPQ6ML
        PCBYm85igj4Hxy0a4mNGrNEd0Skpd77Yg4GF8KCnGogJdd+pey4I4A0Z
        -----END PRIVATE KEY-----

        """;

    public const string Sm2LeadingZeroPublicKeyPem =
        """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAEiTdKRP6COOrIYYKpnZsTeI3aj0Oj
        CzwgWJvOYoI+B8ctGuJjRqzRHdEpKXe+2IOBhfCgpxqICXXfqXsuCOANGQ==
        -----END PUBLIC KEY-----

        """;

    public static ReadOnlySpan<byte> Message => "ledger fixture message"u8;

    /// <summary>
    /// `openssl pkeyutl -sign -rawin -digest sm3 -inkey sm2.pem -pkeyopt distid:1234567812345678`
    /// over <see cref="Message"/>, DER.
    /// </summary>
    public const string Sm2SignatureDerHex =
        "3046022100e04a5cc6e3aad8af58ae65835943e432680fde33d91e21f0aa8c43604c92c481"
        + "022100a4523d58cd7784c47e3fa84cc63cd747c4ca46a3286af039ebbe4e086a139001";

    public const string Ed25519PrivateKeyPem =
        """
        -----BEGIN PRIVATE KEY-----
        MC4CAQAwBQYDK2VwBCIEIAgc7h4CUi//IQR6FjK3ytLjEnZLi37X2NTNZw9JYqbD
        -----END PRIVATE KEY-----

        """;

    public const string Ed25519PublicKeyPem =
        """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAfTJFd/oQW8kGAag50DqwcnYakp6OlQEyLqxAwJQ11GU=
        -----END PUBLIC KEY-----

        """;

    /// <summary>`openssl pkeyutl -sign -rawin -inkey ed25519.pem` over <see cref="Message"/>.</summary>
    public const string Ed25519SignatureHex =
        "d65d34c848c7efa40d0b706f3ed643a9a7f81af710a6742b326877a146e82d9d"
        + "46eed2e0b07bb1aa4995ebdb58a66bc1f91bbbc9e2a390556d48caab1945a602";

    /// <summary>`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1`: a curve the ledger does not take.</summary>
    public const string P256PrivateKeyPem =
        """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgT2uo+iZT40EUWlx1
        zz/gnaaTjG+qlVbV1lMypX4luyuhRANCAAQUq7SGBonKGo4WP9YuBSBVSRGr11uR
        N+puLXwhnkJHrOB0r98dCW/pYs+/rK6/eZpgcM3yvIzN75O1/WwLEcIS
        -----END PRIVATE KEY-----

        """;
}
