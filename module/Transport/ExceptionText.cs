namespace VolumeManager.Transport;

internal static class ExceptionText
{
    /// <summary>The message, without its final full stop, for use inside a log sentence.</summary>
    public static string Describe(this Exception exception) => exception.Message.TrimEnd('.');
}
