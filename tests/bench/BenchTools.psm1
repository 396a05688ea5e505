# What the benchmark scripts share: timing, order statistics, and a throwaway local cluster.

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
        P99    = $sorted[[int][Math]::Ceiling(0.99 * ($sorted.Count - 1))]
    }
}

function Use-BenchCluster {
    param([int] $NodeCount = 3, [int] $DiskCount = 4, [long] $DiskSize = 256MB, [string] $Transport = 'Local', [TimeSpan] $FailureTimeout = [TimeSpan]::FromSeconds(10),
        [switch] $Faults, [scriptblock] $Body, [ValidateSet('None', 'Namespace')] [string] $Isolation = 'None')
    $path = Join-Path ([IO.Path]::GetTempPath()) ("vmbench-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
    $cluster = if ($Isolation -eq 'Namespace') {
        Start-VmLocalCluster -Path $path -NodeCount $NodeCount -DiskCount $DiskCount -DiskSize $DiskSize -Isolation Namespace `
            -FailureTimeout $FailureTimeout -EnableFaultInjection:$Faults -ErrorAction Stop
    }
    else {
        Start-VmLocalCluster -Path $path -NodeCount $NodeCount -DiskCount $DiskCount -DiskSize $DiskSize -Transport $Transport `
            -FailureTimeout $FailureTimeout -EnableFaultInjection:$Faults -ErrorAction Stop
    }
    try { & $Body $cluster $path }
    finally { Stop-VmLocalCluster -Cluster $cluster -Remove -Confirm:$false }
}

# A request to a node's agent over its control socket. Invoke-VmAgentRequest is node-side only (VolumeManager.psd1
# does not export it), so it runs in the module's own scope.
function Invoke-BenchAgentRequest([string] $Request, [string] $StateDirectory) {
    & (Get-Module VolumeManager) { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $Request $StateDirectory
}

# A node's kernel report straight from its agent: freezes, resync tasks, plexes' I/O errors.
function Get-BenchKernel([string] $Path, [string] $Node) {
    (Invoke-BenchAgentRequest -Request '{"kind":"KernelQuery"}' -StateDirectory (Join-Path $Path 'nodes' $Node 'state') | ConvertFrom-Json).kernel
}

# How long each of the transactions closed its disk groups' gates on each of the nodes, in ms.
# Each time the changes' gates were closed on the nodes, in ms: a change served side by side closes them twice (the
# prepare's drain and the switch), one that removes or moves a plex once, from prepare to commit.
function Get-FreezeMs([string] $Path, [string[]] $Node, [string[]] $TransactionId, [switch] $PerChange) {
    foreach ($n in $Node) {
        $windows = (Get-BenchKernel $Path $n).freezes | Where-Object { $_.transactionId -in $TransactionId } |
            ForEach-Object { [pscustomobject]@{ Id = $_.transactionId; Ms = ([DateTimeOffset] $_.opened - [DateTimeOffset] $_.closed).TotalMilliseconds } }
        if ($PerChange) { $windows | Group-Object Id | ForEach-Object { ($_.Group | Measure-Object Ms -Sum).Sum } }
        else { $windows.Ms }
    }
}

function Write-BenchTable([string] $Title, $Rows) {
    Write-Host ''
    Write-Host $Title
    $Rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}

Export-ModuleMember -Function Invoke-BenchAgentRequest, Measure-Ms, Get-Stats, Use-BenchCluster, Write-BenchTable, Get-BenchKernel, Get-FreezeMs
