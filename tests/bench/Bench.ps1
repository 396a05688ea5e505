# Benchmarks, printed as ratios against a baseline measured in the same run (never asserted).
# A change (New-VmDiskGroup + Remove-VmDiskGroup) on a warm cluster, beside an empty Invoke-Command
# fan-out over the same sessions: the ratio is what the protocol costs above bare remoting.
[CmdletBinding()]
param(
    [int] $Iterations = 20,
    [string[]] $Shape = @('Local:3', 'Ssh:2', 'Ssh:3', 'Ssh:4', 'Ssh:8')
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module VolumeManager

function Measure-Ms([scriptblock] $Block) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    & $Block | Out-Null
    $clock.Elapsed.TotalMilliseconds
}

function Get-Stats([double[]] $Samples) {
    $sorted = $Samples | Sort-Object
    [pscustomobject]@{
        Median = $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
        P95    = $sorted[[int][Math]::Ceiling(0.95 * ($sorted.Count - 1))]
    }
}

$rows = foreach ($entry in $Shape) {
    $transport, $nodes = $entry -split ':'
    $path = Join-Path ([IO.Path]::GetTempPath()) ("vmbench-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $cluster = Start-VmLocalCluster -Path $path -NodeCount ([int]$nodes) -DiskCount 2 -DiskSize 16MB -Transport $transport
    try {
        $sessions = $cluster.Sessions
        foreach ($i in 1..3) {
            Invoke-Command -Session $sessions -ScriptBlock { } | Out-Null
            New-VmDiskGroup -Name warm -Disk d01 -Shared | Out-Null
            Remove-VmDiskGroup -Name warm -Confirm:$false
        }
        $fanout = foreach ($i in 1..$Iterations) { Measure-Ms { Invoke-Command -Session $sessions -ScriptBlock { } } }
        $change = foreach ($i in 1..$Iterations) {
            Measure-Ms { New-VmDiskGroup -Name bench -Disk d01, d02 -Shared; Remove-VmDiskGroup -Name bench -Confirm:$false }
        }
        $f = Get-Stats $fanout
        $c = Get-Stats $change
        [pscustomobject]@{
            Transport        = $transport
            Nodes            = [int]$nodes
            'FanOut ms (med)' = [Math]::Round($f.Median, 1)
            'Change ms (med)' = [Math]::Round($c.Median, 1)
            'Change ms (p95)' = [Math]::Round($c.P95, 1)
            'Ratio (med)'     = [Math]::Round($c.Median / $f.Median, 1)
        }
    }
    finally {
        Stop-VmLocalCluster -Cluster $cluster -Remove -Confirm:$false
    }
}
Write-Host 'New-VmDiskGroup + Remove-VmDiskGroup (two transactions) against one empty Invoke-Command fan-out over the same sessions:'
$rows | Format-Table -AutoSize | Out-String -Width 120 | Write-Host
