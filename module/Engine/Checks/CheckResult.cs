namespace VolumeManager.Engine.Checks;

/// <summary>One named rule's verdict. A failed check's name is the error id it reports.</summary>
public sealed class CheckResult
{
    public string Name { get; set; } = "";
    public bool Passed { get; set; }
    public string Message { get; set; } = "";

    public static CheckResult Pass(string name, string message) => new() { Name = name, Passed = true, Message = message };
    public static CheckResult Fail(string name, string message) => new() { Name = name, Passed = false, Message = message };
}

/// <summary>A node's answer to a proposal: every check it ran, and whether all passed.</summary>
public sealed class NodeCheckResult
{
    public string Node { get; set; } = "";
    public string TransactionId { get; set; } = "";
    public bool Passed { get; set; }
    public List<CheckResult> Checks { get; set; } = [];
    public string Message { get; set; } = "";

    public CheckResult? FirstFailure => Checks.FirstOrDefault(c => !c.Passed);

    public static NodeCheckResult From(string node, string txId, List<CheckResult> checks)
    {
        var failed = checks.Where(c => !c.Passed).ToList();
        return new NodeCheckResult
        {
            Node = node, TransactionId = txId, Passed = failed.Count == 0, Checks = checks,
            Message = failed.Count == 0 ? $"node {node}: all {checks.Count} checks passed" : Named(node, failed[0].Message),
        };
    }

    private static string Named(string node, string message) =>
        message.StartsWith($"node {node} ", StringComparison.Ordinal) ? message : $"node {node}: {message}";

    public static NodeCheckResult Failed(string node, string txId, string errorId, string message) =>
        From(node, txId, [CheckResult.Fail(errorId, message)]);
}
