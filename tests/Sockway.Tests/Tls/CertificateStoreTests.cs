using Microsoft.Extensions.Logging.Abstractions;
using Sockway.Gateway.Configuration;
using Sockway.Gateway.Tls;
using Sockway.Testing;
using Sockway.Tests.Gateway;
using Xunit;

namespace Sockway.Tests.Tls;

/// <summary>
/// A certificate is parsed once per PEM and disposed once replaced, but never while a handshake that selected it just
/// before the swap may still be using it.
/// </summary>
public sealed class CertificateStoreTests
{
    [Fact]
    public void An_unchanged_certificate_keeps_its_instance_when_its_hosts_or_other_certificates_change()
    {
        using var store = new CertificateStore(NullLogger<CertificateStore>.Instance, new ManualClock());
        var a = Certificate("a", "a.test");
        store.Load([a]);
        var first = store.Select("a.test");

        store.Load([a with { Hosts = ["a.test", "www.a.test"] }, Certificate("b", "b.test")]);

        Assert.NotNull(first);
        Assert.Same(first, store.Select("a.test"));
        Assert.Same(first, store.Select("www.a.test"));
        Assert.Equal(0, store.Retiring);
    }

    [Fact]
    public void A_replaced_certificate_is_disposed_only_after_the_retirement_delay()
    {
        var clock = new ManualClock();
        using var store = new CertificateStore(NullLogger<CertificateStore>.Instance, clock);
        store.Load([Certificate("a", "a.test")]);
        var old = store.Select("a.test")!;

        store.Load([Certificate("a", "a.test")]);
        var rotated = store.Select("a.test")!;

        Assert.NotSame(old, rotated);
        Assert.Equal(1, store.Retiring);
        Assert.NotEqual(IntPtr.Zero, old.Handle);
        clock.Advance(CertificateStore.RetireAfter - TimeSpan.FromSeconds(1));
        store.Load([Certificate("b", "b.test")]);
        Assert.NotEqual(IntPtr.Zero, old.Handle);
        Assert.Equal(2, store.Retiring);

        clock.Advance(TimeSpan.FromSeconds(2));
        store.Load([]);
        Assert.Equal(IntPtr.Zero, old.Handle);
        Assert.NotEqual(IntPtr.Zero, rotated.Handle);
        Assert.Null(store.Select("a.test"));
    }

    private static TlsCertificate Certificate(string id, params string[] hosts)
    {
        var (certificate, key) = TestCertificates.Create(hosts);
        return new TlsCertificate(id, hosts, certificate, key);
    }
}
