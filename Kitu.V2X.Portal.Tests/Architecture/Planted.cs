// Types that break the layer rule on purpose, so that the architecture test shows it can fail. Never used.
namespace Kitu.V2X.Portal.Tests.Architecture.Planted.Grid
{
    /// <summary>Grid code that knows a driver's vehicle: what the rule must catch.</summary>
    internal sealed class LeakyGridRelay
    {
        public Kitu.V2X.Portal.Domain.ConsumerSupport.Vehicle? Vehicle { get; set; }
    }

    /// <summary>Grid code that names only grid types: the rule lets it pass.</summary>
    internal sealed class CleanGridRelay
    {
        public Kitu.V2X.Portal.Domain.GridSecurity.GridRules? Rules { get; set; }
    }
}

namespace Kitu.V2X.Portal.Tests.Architecture.Planted.Sandbox
{
    /// <summary>Sandbox code that reaches into the mediator: what the rule must catch.</summary>
    internal sealed class SandboxPeekingAtTheMediator
    {
        public Kitu.V2X.Portal.Discharge.DischargeMediator? Mediator { get; set; }
    }
}
