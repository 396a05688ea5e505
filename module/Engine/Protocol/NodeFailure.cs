namespace VolumeManager.Engine.Protocol;

/// <summary>Why a change failed on one node: the error id and a sentence naming the node.</summary>
public sealed class NodeFailure
{
    public string Node { get; set; } = "";
    public string ErrorId { get; set; } = "";
    public string Reason { get; set; } = "";

    public static NodeFailure Of(string node, string errorId, string reason) => new() { Node = node, ErrorId = errorId, Reason = reason };
}
