using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Sockway.Controller.Hosting;

/// <summary>
/// Keeps the data-protection key ring in memory. YARP pulls in data protection (for affinity cookies Sockway does not
/// use); without this its key manager writes keys under the user's profile, which fails on a read-only root filesystem.
/// </summary>
internal sealed class InMemoryKeyRepository : IXmlRepository
{
    private readonly List<XElement> _elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_elements)
        {
            return _elements.Select(e => new XElement(e)).ToList();
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (_elements)
        {
            _elements.Add(new XElement(element));
        }
    }
}
