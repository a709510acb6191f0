namespace Kitu.V2X.Portal.Components.Account;

public enum PasskeyOperation
{
    Create = 0,
    Request = 1,
}
