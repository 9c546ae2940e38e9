namespace Quorum.Store.Auth;

/// <summary>What a permission lets a user do with the keys under its prefix.</summary>
[Flags]
public enum Access
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Read keys, list them and watch them.</summary>
    Read = 1,

    /// <summary>Put and delete keys.</summary>
    Write = 2,

    /// <summary>Both.</summary>
    ReadWrite = Read | Write,
}
