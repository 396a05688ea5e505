# Shared helpers for the Pester suites: real local clusters under the test's own temporary folder,
# and the invariant checks every test runs after a change.

function New-TestCluster {
    [CmdletBinding()]
    param(
        [ValidateSet('Local', 'Ssh')] [string] $Transport = 'Local',
        [int] $NodeCount = 3,
        [int] $DiskCount = 6,
        [TimeSpan] $FailureTimeout = [TimeSpan]::FromSeconds(4)
    )
    $path = Join-Path ([IO.Path]::GetTempPath()) ("vmtest-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    Start-VmLocalCluster -Path $path -NodeCount $NodeCount -DiskCount $DiskCount -DiskSize 64MB -Transport $Transport -FailureTimeout $FailureTimeout
}

function Remove-TestCluster {
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Cluster)
    process {
        if ($null -ne $Cluster) { Stop-VmLocalCluster -Cluster $Cluster -Remove -Confirm:$false }
    }
}

# Every node's own view, read through its own endpoint: generation, shared configuration hash, members.
function Get-NodeView {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    foreach ($session in $Cluster.Sessions) {
        $json = Invoke-Command -Session $session -ScriptBlock { Invoke-VmAgentRequest -Request '{"kind":"ViewQuery"}' }
        $view = ($json | ConvertFrom-Json).view
        [pscustomobject]@{ Node = $session.Name; Generation = $view.generation; SharedHash = $view.sharedHash; Master = $view.master }
    }
}

# Invariant 1: after a completed change every member has the same generation and shared configuration.
function Assert-ClusterConsistent {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    $views = @(Get-NodeView -Cluster $Cluster)
    $generations = @($views.Generation | Sort-Object -Unique)
    $hashes = @($views.SharedHash | Sort-Object -Unique)
    if ($generations.Count -ne 1) { throw "members disagree on the generation: $(($views | ForEach-Object { "$($_.Node)=$($_.Generation)" }) -join ', ')" }
    if ($hashes.Count -ne 1) { throw "members disagree on the shared configuration: $(($views | ForEach-Object { "$($_.Node)=$($_.SharedHash.Substring(0, 12))" }) -join ', ')" }
    $generations[0]
}

function Get-GenerationMap {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    (Get-NodeView -Cluster $Cluster | Sort-Object Node | ForEach-Object { "$($_.Node)=$($_.Generation)" }) -join ','
}

# Waits for a condition with a bound; the bound is a failure limit, not a synchronisation sleep.
function Wait-Until {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [scriptblock] $Condition, [TimeSpan] $Timeout = [TimeSpan]::FromSeconds(20), [string] $Because = 'the condition')
    $deadline = [DateTime]::UtcNow + $Timeout
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 50
    }
    throw "timed out after $($Timeout.TotalSeconds) s waiting for $Because"
}

Export-ModuleMember -Function New-TestCluster, Remove-TestCluster, Get-NodeView, Assert-ClusterConsistent, Get-GenerationMap, Wait-Until
