# Shared helpers for the Pester suites: real local clusters under the test's own temporary folder,
# and the invariant checks every test runs after a change.

function New-TestCluster {
    [CmdletBinding()]
    param(
        [ValidateSet('Local', 'Ssh')] [string] $Transport = 'Local',
        [int] $NodeCount = 3,
        [int] $DiskCount = 6,
        [TimeSpan] $FailureTimeout = [TimeSpan]::FromSeconds(4),
        [switch] $Faults,
        # Namespace: each node in its own network namespace at its own address, over SSH (root only).
        [ValidateSet('None', 'Namespace')] [string] $Isolation = 'None'
    )
    $path = Join-Path ([IO.Path]::GetTempPath()) ("vmtest-" + [Guid]::NewGuid().ToString('N').Substring(0, 10))
    if ($Isolation -eq 'Namespace') {
        return Start-VmLocalCluster -Path $path -NodeCount $NodeCount -DiskCount $DiskCount -DiskSize 64MB -Isolation Namespace `
            -FailureTimeout $FailureTimeout -EnableFaultInjection:$Faults
    }
    Start-VmLocalCluster -Path $path -NodeCount $NodeCount -DiskCount $DiskCount -DiskSize 64MB -Transport $Transport `
        -FailureTimeout $FailureTimeout -EnableFaultInjection:$Faults
}

# A host made ready for a new node as an administrator installs one, outside the cluster's definition: a folder of
# its own, an sshd serving the node endpoint (which finds its agent through the definition it is to be handed, kept
# at the host's own path), and the agent started with the unit's command line, waiting for that definition. Returns
# what Add-VmNode takes (-Endpoint, -Address, -StateDirectory) and the processes Stop-TestSpareHost ends.
function Start-TestSpareHost {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Name)
    $root = Split-Path $Cluster.Path
    $folder = Join-Path $root 'hosts' $Name
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $definition = Join-Path $folder 'etc' 'cluster.yaml'
    $base = (Get-Module VolumeManager).ModuleBase
    $environment = [Collections.Generic.Dictionary[string, string]]::new()
    $environment['VM_NODE'] = $Name
    $environment['VM_CLUSTER_DEFINITION'] = $definition
    $environment['PSModulePath'] = (Split-Path (Split-Path $base)) + [IO.Path]::PathSeparator + $env:PSModulePath
    $key = [VolumeManager.Cmdlets.Endpoints.ClientKey]::EnsureAsync((Join-Path $root 'ssh'), [Threading.CancellationToken]::None).GetAwaiter().GetResult()
    $sshd = [VolumeManager.Cmdlets.Endpoints.SshdNode]::new($Name, (Join-Path $folder 'sshd'), $key.PublicKeyPath, $environment, (Join-Path $PSHOME 'pwsh'))
    $sshd.NodeManifestPath = Join-Path $base 'node' 'VolumeManager.Node.psd1'
    [void]$sshd.StartAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult()
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $agent = Start-Process -FilePath (Join-Path $base 'agent' 'vmconfigd') -PassThru `
        -ArgumentList '--cluster', $definition, '--node', $Name, '--parent-pid', $PID `
        -RedirectStandardOutput (Join-Path $folder 'agent.out') -RedirectStandardError (Join-Path $folder 'agent.err')
    [pscustomobject]@{
        Name = $Name; Endpoint = "ssh://$([Environment]::UserName)@127.0.0.1:$($sshd.Port)"; Address = "127.0.0.1:$port"
        StateDirectory = Join-Path $folder 'state'; Definition = $definition; Sshd = $sshd; Agent = $agent; Folder = $folder
    }
}

function Stop-TestSpareHost {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Spare)
    process {
        try { if ($Spare.Agent) { Stop-Process -Id $Spare.Agent.Id -Force -ErrorAction Ignore } }
        finally { if ($Spare.Sshd) { [void]$Spare.Sshd.StopAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult() } }
    }
}

# The namespace network of a namespace cluster, as its folder records it: Id, Subnet, and per node its
# namespace and address.
function Get-TestNetwork {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    $id, $subnet, $nodes = (Get-Content (Join-Path (Split-Path $Cluster.Path) 'netns') -Raw).Trim() -split '\s+'
    $index = 0
    foreach ($node in $nodes) {
        $index++
        [pscustomobject]@{ Node = $node; Namespace = "vm$id-$node"; Address = "10.231.$subnet.$index" }
    }
}

# Takes a node's only link down (a real link failure: nothing reaches it, it reaches nothing) or up again.
function Set-TestLink {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node, [Parameter(Mandatory)] [ValidateSet('up', 'down')] [string] $State)
    $namespace = (Get-TestNetwork $Cluster | Where-Object Node -eq $Node).Namespace
    ip -n $namespace link set eth0 $State
    if ($LASTEXITCODE -ne 0) { throw "could not set node $Node's link $State" }
}

# A node's own view straight from its agent's control socket (a file: reachable whatever the network does).
function Get-AgentView {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node,
        # A node outside the cluster's folder (a spare host's): its state directory.
        [string] $StateDirectory = (Get-StateDirectory $Cluster $Node))
    $view = (Invoke-TestAgentRequest -Request '{"kind":"ViewQuery"}' -StateDirectory $StateDirectory | ConvertFrom-Json).view
    $states = @{}
    foreach ($member in $view.members) { $states[$member.name] = $member.state }
    [pscustomobject]@{ Node = $Node; Master = $view.master; Generation = $view.generation; SharedHash = $view.sharedHash; States = $states }
}

# A request to a node's agent straight over its control socket from the test's own session. Invoke-VmAgentRequest
# is node-side only (a node's restricted endpoint offers it; VolumeManager.psd1 does not export it), so it runs in
# the module's own scope.
function Invoke-TestAgentRequest([Parameter(Mandatory)] [string] $Request, [Parameter(Mandatory)] [string] $StateDirectory) {
    & (Get-Module VolumeManager) { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $Request $StateDirectory
}

function Get-StateDirectory([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node) {
    Join-Path (Split-Path $Cluster.Path) 'nodes' $Node 'state'
}

# Arms a fault rule in a node's agent ("crash-before:Prepared", "hold-before:ReplyCheckRequest", "drop:n2" to cut
# the interconnect link to n2 until "heal:n2", "skip:RenewLease", ...), talking to the agent's control socket
# directly so a busy endpoint session does not block it. Clear-TestFault releases held effects, heals cut links
# and ends skips.
function Set-TestFault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node, [Parameter(Mandatory)] [string] $Rule)
    $request = @{ kind = 'FaultRequest'; arm = $Rule } | ConvertTo-Json -Compress
    $answer = Invoke-TestAgentRequest -Request $request -StateDirectory (Get-StateDirectory $Cluster $Node) | ConvertFrom-Json
    if (-not $answer.ok) { throw "node ${Node}: $($answer.error)" }
}

function Clear-TestFault {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node)
    $request = @{ kind = 'FaultRequest'; release = $true } | ConvertTo-Json -Compress
    Invoke-TestAgentRequest -Request $request -StateDirectory (Get-StateDirectory $Cluster $Node) | Out-Null
}

# A node's own transaction records, straight from its agent.
function Get-TestTransaction {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node, [string] $Id)
    $query = @{ kind = 'TransactionsQuery' }
    if ($Id) { $query.id = $Id }
    $request = $query | ConvertTo-Json -Compress
    (Invoke-TestAgentRequest -Request $request -StateDirectory (Get-StateDirectory $Cluster $Node) | ConvertFrom-Json).records
}

# Restarts every agent that is not running and waits until all nodes are Joined again.
function Restore-TestCluster {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster)
    foreach ($node in Get-VmNode -Cluster $Cluster) {
        if (-not $node.AgentRunning -or $node.State -ne 'Joined') {
            $pidFile = Join-Path (Get-StateDirectory $Cluster $node.Name) 'vmconfigd.pid'
            $alive = (Test-Path $pidFile) -and (Get-Process -Id (Get-Content $pidFile) -ErrorAction Ignore)
            if (-not $alive) { Add-VmNode -Cluster $Cluster -Name $node.Name | Out-Null }
        }
    }
    Wait-Until { @(Get-VmNode -Cluster $Cluster | Where-Object State -ne 'Joined').Count -eq 0 } -Because 'every node to be Joined again'
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

# A plex's bytes straight from a local cluster's disk images, subdisk by subdisk (the plex as $Node's view has it):
# what that plex alone holds, as a SHA-256.
function Get-PlexHash {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $DiskGroup, [Parameter(Mandatory)] [string] $Volume,
        [Parameter(Mandatory)] [string] $Plex, [Parameter(Mandatory)] [long] $Length, [string] $Node = 'n1')
    $disks = Join-Path (Split-Path $Cluster.Path) 'disks'
    $p = Get-VmPlex -Cluster $Cluster -DiskGroup $DiskGroup -Volume $Volume -Name $Plex -Node $Node
    $sha = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
    $left = $Length
    foreach ($sd in $p.Subdisks) {
        if ($left -le 0) { break }
        $take = [Math]::Min($left, $sd.Length)
        $image = Join-Path $disks "$($sd.Disk).img"
        if (-not (Test-Path $image)) { $image = (Get-VmDisk -Cluster $Cluster -Name $sd.Disk -Node $Node).Path }   # a cluster over -Disk paths
        $stream = [IO.File]::Open($image, 'Open', 'Read', 'ReadWrite')
        try {
            $stream.Position = 1MB + $sd.Offset
            $buffer = [byte[]]::new($take)
            $stream.ReadExactly($buffer)
            $sha.AppendData($buffer)
        } finally { $stream.Dispose() }
        $left -= $take
    }
    [Convert]::ToHexString($sha.GetHashAndReset())
}

# A node's kernel report straight from its agent: freezes, resync tasks, plexes' I/O errors.
function Get-KernelReport {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Node)
    $json = Invoke-TestAgentRequest -Request '{"kind":"KernelQuery"}' -StateDirectory (Get-StateDirectory $Cluster $Node)
    ($json | ConvertFrom-Json).kernel
}

# The master, then the slaves by rank (the successor first).
function Select-Roles {
    $master = (Get-VmCluster).Master
    @($master) + @(Get-VmNode | Where-Object Name -ne $master | Sort-Object Rank).Name
}

# Ends a process and every process below it (a pwsh and the endpoints and ssh clients it started), by id.
function Stop-ProcessTree {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [int] $Id)
    $tree = [System.Collections.Generic.List[int]]::new()
    $queue = [System.Collections.Generic.Queue[int]]::new()
    $queue.Enqueue($Id)
    while ($queue.Count -gt 0) {
        $current = $queue.Dequeue()
        $tree.Add($current)
        foreach ($child in Get-Process | Where-Object { $_.Parent.Id -eq $current }) { $queue.Enqueue($child.Id) }
    }
    foreach ($victim in $tree) { Stop-Process -Id $victim -Force -ErrorAction Ignore }
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

# A runspace of its own with the module loaded, as a new session has it. A pipeline a test stops must be one command
# there: a batch (AddStatement) run asynchronously queues its next statement on the thread pool, which then reads a
# variable of the runspace a Dispose has closed and takes the whole test process down (seen once in CI).
function New-ModuleRunspace {
    $state = [initialsessionstate]::CreateDefault2()
    $state.ImportPSModule((Get-Module VolumeManager).Path)
    $runspace = [runspacefactory]::CreateRunspace($state)
    $runspace.Open()
    $runspace
}

Export-ModuleMember -Function New-ModuleRunspace, Start-TestSpareHost, Stop-TestSpareHost, Get-TestNetwork, Set-TestLink, Get-AgentView, Stop-ProcessTree, New-TestCluster, Remove-TestCluster, Get-StateDirectory, Set-TestFault, Clear-TestFault, Get-TestTransaction, Restore-TestCluster, Get-NodeView, Assert-ClusterConsistent, Get-GenerationMap, Wait-Until, Select-Roles, Get-PlexHash, Get-KernelReport
