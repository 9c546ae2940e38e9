namespace Quorum.Contracts.Transactions;

/// <summary>A transaction body that the contract does not allow; the message says what is wrong and where, such as <c>success[0].put needs a key.</c></summary>
public sealed class TxnFormatException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="TxnFormatException"/> class.</summary>
    public TxnFormatException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TxnFormatException"/> class.</summary>
    /// <param name="message">What is wrong, and where.</param>
    public TxnFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="TxnFormatException"/> class.</summary>
    /// <param name="message">What is wrong, and where.</param>
    /// <param name="innerException">The cause.</param>
    public TxnFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
