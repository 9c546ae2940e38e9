namespace Quorum.Server.Tls;

/// <summary>A certificate, key or CA file that cannot be used; the message names the file and the problem.</summary>
/// <param name="message">What is wrong, and with which file.</param>
/// <param name="inner">The underlying failure, if any.</param>
public sealed class TlsFileException(string message, Exception? inner = null) : Exception(message, inner);
