using System.Management.Automation;
using VolumeManager.Cmdlets.Objects;

namespace VolumeManager.Cmdlets.Commands;

/// <summary>The reconfigurations a node knows of, newest last, with their outcome and failing nodes.</summary>
[Cmdlet(VerbsCommon.Get, "VmTransaction")]
[OutputType(typeof(VmTransaction))]
public sealed class GetVmTransactionCommand : VmCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("TransactionId")]
    public string? Id { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(NodeNameCompleter))]
    public string? Node { get; set; }

    protected override void ProcessRecord()
    {
        var node = Node ?? Connection.LocalNode;
        var records = Await(ct => Connection.Endpoint(node).GetTransactionsAsync(Id, ct));
        foreach (var record in records) WriteObject(ObjectMapper.ToObject(record, node));
    }
}
