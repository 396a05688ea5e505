#Requires -Modules Pester
# The two-node tie of the failure contract, caused for real: "A side of a partition without quorum must not
# commit (majority of the last membership; a disk lease breaks two-node ties)." A two-node cluster over SSH
# endpoints; the interconnect between the agents is cut by the fault hook's drop rule, armed on both nodes
# (every frame to and from the peer is dropped, so heartbeats stop and each side finds the other gone), while
# both agents still reach the shared disks and the administrator still reaches both endpoints. The lease is
# read from the disks' lease slots (the 4 KiB at 512 KiB of each private region) as the agents wrote them.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Ssh -NodeCount 2 -DiskCount 3 -Faults -FailureTimeout ([TimeSpan]::FromSeconds(4))
    $script:sides = @{}

    # The lease slot of every disk image, decoded as DiskLease does (magic, expiry, holder name).
    function Get-TestLease {
        foreach ($image in Get-ChildItem (Join-Path (Split-Path $script:cluster.Path) 'disks') -Filter '*.img') {
            $slot = [byte[]]::new(4096)
            $stream = [IO.File]::OpenRead($image.FullName)
            try { $stream.Position = 512KB; $null = $stream.Read($slot, 0, $slot.Length) } finally { $stream.Dispose() }
            $magic = [Text.Encoding]::ASCII.GetString($slot, 0, 8)
            [pscustomobject]@{
                Disk    = $image.BaseName
                Holder  = if ($magic -eq 'VMLEASE1') { [Text.Encoding]::UTF8.GetString($slot, 34, [BitConverter]::ToUInt16($slot, 32)) }
                Expires = [DateTimeOffset]::FromUnixTimeMilliseconds([BitConverter]::ToInt64($slot, 16))
            }
        }
    }

    # The node whose unexpired lease is on a majority of the disks, or $null.
    function Get-LeaseHolder {
        $slots = @(Get-TestLease)
        $now = [DateTimeOffset]::UtcNow
        $live = $slots | Where-Object { $_.Holder -and $_.Expires -gt $now } | Group-Object Holder | Where-Object { $_.Count * 2 -gt $slots.Count }
        if ($live) { $live.Name }
    }

    # One node's own view, through its own endpoint: master, generation, configuration hash, members' states.
    function Get-SideView([string] $Node) {
        $session = $script:cluster.Sessions | Where-Object Name -eq $Node
        $view = (Invoke-Command -Session $session -ScriptBlock { Invoke-VmAgentRequest -Request '{"kind":"ViewQuery"}' } | ConvertFrom-Json).view
        $states = @{}
        foreach ($member in $view.members) { $states[$member.name] = $member.state }
        [pscustomobject]@{ Node = $Node; Master = $view.master; Generation = $view.generation; SharedHash = $view.sharedHash; States = $states; Groups = @($view.diskGroups.name) }
    }

    # The cluster as an administrator logged in on $Node sees it: its own connection, $Node the initiating node.
    function Get-Side([string] $Node) {
        if (-not $script:sides.ContainsKey($Node)) {
            $lines = Get-Content $script:cluster.Path
            $start = [array]::IndexOf($lines, 'nodes:')
            $blocks = [ordered]@{}
            $trailer = @()
            foreach ($line in $lines[($start + 1)..($lines.Count - 1)]) {
                if ($line -match '^- name: (\S+)') { $current = $Matches[1]; $blocks[$current] = @() }
                if ($line -notmatch '^[- ]') { $trailer += $line; continue }
                $blocks[$current] += $line
            }
            $ordered = @($blocks[$Node]) + @($blocks.Keys | Where-Object { $_ -ne $Node } | ForEach-Object { $blocks[$_] })
            $path = Join-Path (Split-Path $script:cluster.Path) "cluster-from-$Node.yaml"
            Set-Content -Path $path -Value (@($lines[0..$start]) + $ordered + $trailer)
            $script:sides[$Node] = Connect-VmCluster -Path $path
            $script:sides[$Node].LocalNode | Should -Be $Node
        }
        $script:sides[$Node]
    }

    function Invoke-Change([string] $Node, [string] $Name, [string] $Disk) {
        $errors = $null
        $output = New-VmDiskGroup -Cluster (Get-Side $Node) -Name $Name -Disk $Disk -Shared -ErrorVariable errors -ErrorAction SilentlyContinue
        [pscustomobject]@{ Output = $output; Errors = @($errors) }
    }

    # Cuts (or heals) the interconnect both ways: each agent drops every frame to and from the other.
    function Set-Interconnect([ValidateSet('drop', 'heal')] [string] $Action) {
        Set-TestFault -Cluster $script:cluster -Node n1 -Rule "${Action}:n2"
        Set-TestFault -Cluster $script:cluster -Node n2 -Rule "${Action}:n1"
    }

    # How many times a node's agent has logged that $Holder holds the lease.
    function Get-LeaseNotes([string] $Node, [string] $Holder) {
        $log = Join-Path (Get-StateDirectory $script:cluster $Node) 'vmconfigd.log'
        @(Select-String -Path $log -SimpleMatch "$Holder holds the disk lease").Count
    }

    # The holder stops renewing its lease (skip:RenewLease) until the other node holds it on the disks and
    # the old holder, renewing again, has read that; nothing else changes.
    function Move-Lease([string] $To) {
        $from = Get-LeaseHolder
        if ($from -eq $To) { return }
        $seen = Get-LeaseNotes $from $To
        Set-TestFault -Cluster $script:cluster -Node $from -Rule 'skip:RenewLease'
        try { Wait-Until { (Get-LeaseHolder) -eq $To } -Because "$To to take the lease $from stopped renewing" }
        finally { Clear-TestFault -Cluster $script:cluster -Node $from }
        Wait-Until { (Get-LeaseNotes $from $To) -gt $seen } -Because "$from to read that $To holds the lease"
    }

    function Wait-Joined {
        Wait-Until {
            $views = @('n1', 'n2' | ForEach-Object { Get-SideView $_ })
            @($views.Master | Sort-Object -Unique).Count -eq 1 -and $views[0].Master -and
                @($views | Where-Object { @($_.States.Values | Where-Object { $_ -ne 'Joined' }).Count -gt 0 }).Count -eq 0
        } -Because 'both nodes to be Joined under one master'
    }

    function Get-Other([string] $Node) { @('n1', 'n2') | Where-Object { $_ -ne $Node } }

    # A node on the side without the lease, no longer following any master, refuses the change itself.
    function Assert-NoQuorumRefusal($Result, [string] $Node) {
        $Result.Output | Should -BeNullOrEmpty
        $Result.Errors.Count | Should -Be 1
        $Result.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NoQuorum,*'
        $Result.Errors[0].TargetObject | Should -Be $Node
        $Result.Errors[0].ToString() | Should -Match "^node $Node reaches 1 of the 2 members of the last membership \(n1, n2\) and does not hold the disk lease that breaks the tie; without a majority it forms no cluster and makes no change\.$"
    }

    Wait-Until { Get-LeaseHolder } -Because 'one node to hold the lease on a majority of the disks'
    # Both administrators' connections are open before any cut: a change must not wait for a session to open.
    Get-Side n1 | Out-Null
    Get-Side n2 | Out-Null
}

AfterAll {
    foreach ($side in $script:sides.Values) { Disconnect-VmCluster -InputObject $side }
    $script:cluster | Remove-TestCluster
}

Describe 'The disk lease breaks the tie of a two-node cluster' {
    AfterEach {
        Set-Interconnect heal
        Wait-Joined
        Assert-ClusterConsistent -Cluster $script:cluster | Out-Null
    }

    It 'hands the lease to the other node when its holder stops renewing it, and the membership stays as it was' {
        $master = (Get-SideView n1).Master
        $slave = Get-Other $master
        Move-Lease -To $master  # arrange: the master holds it (it may have lost the race at start)
        $before = @(Get-TestLease)
        Move-Lease -To $slave
        Wait-Until { @(Get-TestLease | Where-Object Holder -ne $slave).Count -eq 0 } -Because "$slave to take the slot on every disk"
        $after = @(Get-TestLease)
        foreach ($slot in $after) { $slot.Expires | Should -BeGreaterThan ($before | Where-Object Disk -eq $slot.Disk).Expires }
        Wait-Until { (Get-LeaseHolder) -eq $slave -and @(Get-TestLease | Where-Object Expires -gt ($after | Measure-Object Expires -Maximum).Maximum).Count -eq $after.Count } -Because "$slave to go on renewing it"
        (Get-LeaseHolder) | Should -Be $slave -Because "the old holder, renewing again, does not take back a lease that is not expired"
        foreach ($node in 'n1', 'n2') {
            $view = Get-SideView $node
            $view.Master | Should -Be $master
            $view.States.Values | Should -Not -Contain 'Down'
        }
    }

    It 'lets only the lease holder''s side commit when the master without the lease is cut off; the master refuses with NoQuorum' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-SideView n1).Master
        $holder = Get-LeaseHolder
        if ($holder -eq $master) { Move-Lease -To (Get-Other $master); $holder = Get-LeaseHolder }
        $holder | Should -Not -Be $master
        $hash = (Get-SideView $master).SharedHash

        Set-Interconnect drop
        Wait-Until { (Get-SideView $master).States[$holder] -eq 'Down' } -Because "$master to find $holder gone"
        $refused = Invoke-Change -Node $master -Name dgminority -Disk d01
        $refused.Output | Should -BeNullOrEmpty
        $refused.Errors.Count | Should -Be 1
        $refused.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NoQuorum,*'
        $refused.Errors[0].TargetObject | Should -Be $holder -Because 'the error names the member the master cannot reach'
        $refused.Errors[0].ToString() | Should -Be "node ${holder}: master $master cannot reach node $holder; without a majority of the members no change is made."

        Wait-Until { (Get-SideView $holder).Master -eq $holder } -Because "$holder, holding the lease, to take over as master of its side"
        $kept = Invoke-Change -Node $holder -Name dgmajority -Disk d02
        $kept.Errors | Should -BeNullOrEmpty
        $kept.Output.Name | Should -Be 'dgmajority'
        (Get-SideView $holder).Generation | Should -Be ($before + 1)

        Wait-Until { -not (Get-SideView $master).Master } -Because "$master, without quorum, to stop acting as master"
        Assert-NoQuorumRefusal (Invoke-Change -Node $master -Name dgminority -Disk d01) $master
        $cut = Get-SideView $master
        $cut.Generation | Should -Be $before -Because 'the side without quorum never commits'
        $cut.SharedHash | Should -Be $hash
        $cut.Groups | Should -Not -Contain 'dgminority'
        (Get-SideView $holder).Groups | Should -Not -Contain 'dgminority'

        Set-Interconnect heal
        Wait-Joined
        (Get-SideView $master).Master | Should -Be $holder
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Get-VmDiskGroup -Cluster $script:cluster -Name dgmajority -Node $master).Disks | Should -Be @('d02') -Because 'the side that did not move takes the holder''s configuration'
        Remove-VmDiskGroup -Cluster (Get-Side $holder) -Name dgmajority -Confirm:$false
    }

    It 'lets the master holding the lease evict the other node and commit alone; the other side makes no change' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-SideView n1).Master
        $holder = Get-LeaseHolder
        if ($holder -ne $master) { Move-Lease -To $master; $holder = $master }
        $other = Get-Other $holder
        $hash = (Get-SideView $other).SharedHash
        $log = Join-Path (Get-StateDirectory $script:cluster $other) 'vmconfigd.log'
        $formed = @(Select-String -Path $log -SimpleMatch 'formed the cluster').Count

        Set-Interconnect drop
        Wait-Until { (Get-SideView $holder).States[$other] -eq 'Left' } -Because "$holder to evict $other after the failure timeout"
        $kept = Invoke-Change -Node $holder -Name dgholder -Disk d03
        $kept.Errors | Should -BeNullOrEmpty
        $kept.Output.Name | Should -Be 'dgholder'

        Wait-Until { -not (Get-SideView $other).Master } -Because "$other, hearing no master, to look for the cluster again"
        Assert-NoQuorumRefusal (Invoke-Change -Node $other -Name dgother -Disk d01) $other
        @(Select-String -Path $log -SimpleMatch 'formed the cluster').Count | Should -Be $formed -Because 'without the lease the lone node does not form a cluster of its own'
        $cut = Get-SideView $other
        $cut.Generation | Should -Be $before
        $cut.SharedHash | Should -Be $hash
        (Get-SideView $holder).Generation | Should -Be ($before + 1)

        Set-Interconnect heal
        Wait-Joined
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        (Get-VmDiskGroup -Cluster $script:cluster -Name dgholder -Node $other).Disks | Should -Be @('d03')
        foreach ($node in 'n1', 'n2') { (Get-SideView $node).Groups | Should -Not -Contain 'dgother' }
        Remove-VmDiskGroup -Cluster (Get-Side $holder) -Name dgholder -Confirm:$false
    }

    It 'rejects a drop rule that names no other node of the cluster' {
        { Set-TestFault -Cluster $script:cluster -Node n1 -Rule 'drop:n1' } | Should -Throw '*drop:n1*is not another node*'
        { Set-TestFault -Cluster $script:cluster -Node n1 -Rule 'skip:' } | Should -Throw '*is not a fault rule*drop:<peer>*'
    }
}
