using Sockway.Gateway.Telemetry;
using Xunit;

namespace Sockway.Tests.Telemetry;

/// <summary>The code label of sockway_websocket_closes_total comes from a fixed set, whatever a peer sends.</summary>
public sealed class CloseCodeLabelTests
{
    [Theory]
    [InlineData(null, "none")]
    [InlineData(1000, "1000")]
    [InlineData(1001, "1001")]
    [InlineData(1005, "1005")]
    [InlineData(1011, "1011")]
    [InlineData(1015, "1015")]
    [InlineData(3000, "3000-3999")]
    [InlineData(3999, "3000-3999")]
    [InlineData(4000, "4000-4999")]
    [InlineData(4001, "4000-4999")]
    [InlineData(4999, "4000-4999")]
    [InlineData(0, "invalid")]
    [InlineData(999, "invalid")]
    [InlineData(1016, "invalid")]
    [InlineData(2999, "invalid")]
    [InlineData(5000, "invalid")]
    [InlineData(65535, "invalid")]
    public void Codes_map_to_their_number_or_range(int? code, string label) => Assert.Equal(label, CloseCodes.Label(code));

    [Fact]
    public void Every_possible_code_maps_into_a_set_of_twenty_labels()
    {
        var labels = Enumerable.Range(0, 65536).Select(c => CloseCodes.Label(c)).Append(CloseCodes.Label(null)).ToHashSet();
        Assert.Equal(16 + 4, labels.Count);
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(1003, true)]
    [InlineData(1004, false)]
    [InlineData(1005, false)]
    [InlineData(1006, false)]
    [InlineData(1007, true)]
    [InlineData(1014, true)]
    [InlineData(1015, false)]
    [InlineData(999, false)]
    [InlineData(1016, false)]
    [InlineData(2999, false)]
    [InlineData(3000, true)]
    [InlineData(4999, true)]
    [InlineData(5000, false)]
    public void Only_codes_a_peer_may_send_count_as_graceful(int code, bool sendable) => Assert.Equal(sendable, CloseCodes.IsSendable(code));
}
