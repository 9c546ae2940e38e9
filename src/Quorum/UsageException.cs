namespace Quorum;

/// <summary>The command line is malformed: an unknown verb or flag, or a flag without its value. Exit code 2.</summary>
/// <param name="message">What is wrong.</param>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>A setting has a value that cannot work, from a flag or from the environment. Exit code 1.</summary>
/// <param name="message">What is wrong.</param>
internal sealed class ConfigurationException(string message) : Exception(message);
