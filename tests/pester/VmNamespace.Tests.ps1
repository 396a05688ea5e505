#Requires -Modules Pester
# Nodes on their own hosts, as near as one machine gets: Start-VmLocalCluster -Isolation Namespace puts every node
# in its own network namespace with its own address (10.231.S.N on a bridge of the cluster's own), its sshd and
# its vmconfigd inside, bound to that address, the agent started with the shipped systemd unit's command line.
# Partitions are real: a node's only link is taken down and brought up again. Root only (CI is root).

BeforeDiscovery {
    $script:isRoot = $IsLinux -and ((id -u) -eq '0')
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force

    # Every one of $Nodes agrees, in its own view: one master, the generation, the configuration, each of them Joined.
    # Without -Master, any one master all of them follow.
    function Test-Converged($Cluster, [string[]] $Nodes, [long] $Generation, [string] $Master) {
        $views = @($Nodes | ForEach-Object { Get-AgentView $Cluster $_ })
        if (-not $Master) { $Master = $views[0].Master }
        $Master -and @($views | Where-Object { $_.Generation -ne $Generation -or $_.Master -ne $Master }).Count -eq 0 -and
            @($views.SharedHash | Sort-Object -Unique).Count -eq 1 -and
            @($views | Where-Object { $v = $_; @($Nodes | Where-Object { $v.States[$_] -ne 'Joined' }).Count -gt 0 }).Count -eq 0
    }

    # A process that has not exited (a zombie awaiting its parent's wait() has).
    function Test-Running([int] $Id) {
        $stat = Get-Content "/proc/$Id/stat" -Raw -ErrorAction Ignore
        $null -ne $stat -and ($stat.Substring($stat.LastIndexOf(')') + 2, 1)) -notin 'Z', 'X'
    }

    function Get-AgentLog($Cluster, [string] $Node) { Get-Content (Join-Path (Get-StateDirectory $Cluster $Node) 'vmconfigd.log') -Raw }

    # Addresses and ports a namespace's sockets listen on (ss, run inside it).
    function Get-Listener([string] $Namespace) {
        @(ip netns exec $Namespace ss -Hltn | ForEach-Object { ($_ -split '\s+')[3] })
    }
}

Describe 'A four-node cluster with one network namespace per node' -Skip:(-not $isRoot) {
    BeforeAll {
        $script:cluster = New-TestCluster -Isolation Namespace -NodeCount 4 -DiskCount 3 -Faults -FailureTimeout ([TimeSpan]::FromSeconds(3))
        $script:network = @(Get-TestNetwork $script:cluster)
        $script:nodes = @($script:network.Node)
    }

    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'runs each node''s agent and sshd in its own namespace, listening only at its own address, the agent started with the unit''s command line' {
        $unit = Get-Content (Join-Path $PSScriptRoot '..' '..' 'examples' 'deploy' 'vmconfigd.service') | Where-Object { $_ -like 'ExecStart=*' }
        $unit | Should -Match '^ExecStart=/\S+/agent/vmconfigd --cluster /etc/volumemanager/cluster\.yaml --node %l$'
        foreach ($node in $script:network) {
            $agent = (Get-VmNode -Name $node.Node).AgentProcessId
            ip netns identify $agent | Should -Be $node.Namespace
            $commandLine = @((Get-Content "/proc/$agent/cmdline" -Raw) -split "`0" | Where-Object { $_ })
            $commandLine[1..4] | Should -Be @('--cluster', $script:cluster.Path, '--node', $node.Node)
            $commandLine.Count | Should -Be 5 -Because 'the agent runs with exactly the unit''s arguments'
            $sshd = Get-Content (Join-Path (Split-Path $script:cluster.Path) 'nodes' $node.Node 'sshd' 'sshd.pid')
            ip netns identify $sshd | Should -Be $node.Namespace
            Get-Listener $node.Namespace | Sort-Object | Should -Be @("$($node.Address):22", "$($node.Address):7600")
        }
        $script:cluster.Isolation | Should -Be 'Namespace'
        $script:cluster.Transport | Should -Be 'Ssh'
    }

    It 'commits a change on all four nodes' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        New-VmDiskGroup -Cluster $script:cluster -Name dgns -Disk d01 -Shared | Out-Null
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        foreach ($node in $script:nodes) { (Get-VmDiskGroup -Cluster $script:cluster -Name dgns -Node $node).Disks | Should -Be @('d01') }
    }

    It 'completes a change on the successor when the master''s link goes down after the successor was notified; the healed master converges' {
        # The seed: the master leaves after the successor received the commit notification: the successor completes it.
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $members = @(Get-VmNode -Cluster $script:cluster | Sort-Object Rank)
        $master, $successor, $last = $members[0].Name, $members[1].Name, $members[-1].Name
        $master | Should -Be (Get-AgentView $script:cluster $master).Master
        $others = @($script:nodes | Where-Object { $_ -ne $master })
        Set-TestFault -Cluster $script:cluster -Node $master -Rule "hold-before:CommitNotice>$last"
        $job = Start-ThreadJob -ScriptBlock {
            param($cluster)
            New-VmDiskGroup -Cluster $cluster -Name dgcut -Disk d02 -Shared -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        } -ArgumentList $script:cluster
        try {
            Wait-Until { (Get-AgentLog $script:cluster $master) -match "holding CommitNotice>$last" } -Because "$master to hold the commit notice to $last"
            Set-TestLink -Cluster $script:cluster -Node $master -State down
            Clear-TestFault -Cluster $script:cluster -Node $master

            Wait-Until { Test-Converged $script:cluster $others ($before + 1) $successor } -Timeout ([TimeSpan]::FromSeconds(40)) `
                -Because "$successor, notified of the commit, to take over and complete it on $($others -join ', ')"
            (Get-AgentView $script:cluster $master).States[$master] | Should -Be 'Joined' -Because 'the cut master still sees itself a member'
        }
        finally {
            Set-TestLink -Cluster $script:cluster -Node $master -State up
        }
        try {
            # Healed, the old master rejoins under the successor, or (healed before it gave up its side) takes the
            # other members back; either way the change stays completed everywhere.
            Wait-Until { Test-Converged $script:cluster $script:nodes ($before + 1) } -Timeout ([TimeSpan]::FromSeconds(60)) `
                -Because "$master, healed, to converge with the others"
        }
        catch {
            $views = foreach ($n in $script:nodes) { $v = Get-AgentView $script:cluster $n; "$n master=$($v.Master) gen=$($v.Generation) $(($v.States.GetEnumerator() | Sort-Object Key | ForEach-Object { "$($_.Key):$($_.Value)" }) -join ',')" }
            throw "$_; views: $($views -join '; '); $master's log: $((Get-AgentLog $script:cluster $master) -split "`n" | Select-Object -Last 12)"
        }
        $job | Wait-Job -Timeout 90 | Out-Null
        $job.State | Should -Not -Be 'Running' -Because 'the change''s cmdlet ends once the master is back'
        $job | Remove-Job -Force
        foreach ($node in $script:nodes) { (Get-VmDiskGroup -Cluster $script:cluster -Name dgcut -Node $node).Disks | Should -Be @('d02') }
    }

    It 'aborts a change when a slave''s link goes down after it prepared, naming the slave; healed, the slave converges' {
        # The seed: an agent goes away before the commit decision: the change fails, nothing is half-applied.
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-AgentView $script:cluster $script:nodes[0]).Master
        $slave = @($script:nodes | Where-Object { $_ -ne $master })[-1]
        Set-TestFault -Cluster $script:cluster -Node $slave -Rule 'hold-before:Prepared'
        $job = Start-ThreadJob -ScriptBlock {
            param($cluster)
            New-VmDiskGroup -Cluster $cluster -Name dgprepared -Disk d03 -Shared -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed
        } -ArgumentList $script:cluster
        try {
            Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node $slave | Where-Object { $_.state -eq 'Prepared' }).Count -gt 0 } -Because "$slave to prepare"
            Set-TestLink -Cluster $script:cluster -Node $slave -State down
            Clear-TestFault -Cluster $script:cluster -Node $slave
            $errors = @($job | Wait-Job -Timeout 90 | Receive-Job | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -BeGreaterOrEqual 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AgentWentAway,*'
            $errors[0].TargetObject | Should -Be $slave
            foreach ($node in $script:nodes | Where-Object { $_ -ne $slave }) { (Get-AgentView $script:cluster $node).Generation | Should -Be $before }
        }
        finally {
            Set-TestLink -Cluster $script:cluster -Node $slave -State up
            $job | Remove-Job -Force -ErrorAction Ignore
        }
        Wait-Until { Test-Converged $script:cluster $script:nodes $before } -Timeout ([TimeSpan]::FromSeconds(60)) -Because "$slave, healed, to rejoin and settle the aborted change"
        foreach ($node in $script:nodes) { Get-VmDiskGroup -Cluster $script:cluster -Node $node | Where-Object Name -eq dgprepared | Should -BeNullOrEmpty }
    }

    It 'aborts a change when a slave''s link goes down during its checks, naming the slave; healed, the slave converges' {
        # The seed: an agent goes away before the commit decision: the change fails, nothing is half-applied. The cut
        # slave never answers its check (its endpoint's connection hangs); the master counts it Down and aborts.
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = (Get-AgentView $script:cluster $script:nodes[0]).Master
        $slave = @($script:nodes | Where-Object { $_ -ne $master })[0]
        Set-TestFault -Cluster $script:cluster -Node $slave -Rule 'hold-before:ReplyCheckRequest'
        $job = Start-ThreadJob -ScriptBlock {
            param($cluster)
            New-VmDiskGroup -Cluster $cluster -Name dgchecks -Disk d03 -Shared -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed
        } -ArgumentList $script:cluster
        try {
            Wait-Until { @(Get-TestTransaction -Cluster $script:cluster -Node $slave | Where-Object { $_.state -eq 'Checking' }).Count -gt 0 } -Because "$slave to have the proposal"
            Set-TestLink -Cluster $script:cluster -Node $slave -State down
            Clear-TestFault -Cluster $script:cluster -Node $slave
            $errors = @($job | Wait-Job -Timeout 60 | Receive-Job | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errors.Count | Should -BeGreaterOrEqual 1 -Because 'the change ends without the cut slave''s answer'
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AgentWentAway,*'
            $errors[0].TargetObject | Should -Be $slave
            foreach ($node in $script:nodes | Where-Object { $_ -ne $slave }) { (Get-AgentView $script:cluster $node).Generation | Should -Be $before }
        }
        finally {
            Set-TestLink -Cluster $script:cluster -Node $slave -State up
            $job | Remove-Job -Force -ErrorAction Ignore
        }
        Wait-Until { Test-Converged $script:cluster $script:nodes $before } -Timeout ([TimeSpan]::FromSeconds(60)) -Because "$slave, healed, to rejoin"
        foreach ($node in $script:nodes) { Get-VmDiskGroup -Cluster $script:cluster -Node $node | Where-Object Name -eq dgchecks | Should -BeNullOrEmpty }
    }

    It 'grows online by a node in a namespace of its own at the next address, commits on all five, and shrinks back' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        (Add-VmNode -Cluster $script:cluster -Name n5).State | Should -Be 'Joined'
        $n5 = Get-TestNetwork $script:cluster | Where-Object Node -eq n5
        $n5.Address | Should -Be ($script:network[0].Address -replace '\.1$', '.5')
        ip netns identify (Get-VmNode -Cluster $script:cluster -Name n5).AgentProcessId | Should -Be $n5.Namespace
        Get-Listener $n5.Namespace | Sort-Object | Should -Be @("$($n5.Address):22", "$($n5.Address):7600")
        New-VmDiskGroup -Cluster $script:cluster -Name dgfive -Disk d03 -Shared | Out-Null
        Wait-Until { Test-Converged $script:cluster ($script:nodes + 'n5') ($before + 2) } -Because 'all five to hold the change'
        Remove-VmNode -Cluster $script:cluster -Name n5 -Permanent -Confirm:$false
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 3)
        (Get-AgentView $script:cluster $script:nodes[0]).States.Keys | Sort-Object | Should -Be $script:nodes
        Remove-VmDiskGroup -Cluster $script:cluster -Name dgfive -Confirm:$false
    }

    It 'refuses a node whose SSH host key changed, naming the node (HostKeyChanged), and the cluster goes on' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $node = $script:network[-1]
        $folder = Join-Path (Split-Path $script:cluster.Path) 'nodes' $node.Node 'sshd'
        Stop-Process -Id (Get-Content (Join-Path $folder 'sshd.pid')) -Force
        Remove-Item (Join-Path $folder 'ssh_host_ed25519_key*')
        ssh-keygen -q -t ed25519 -N '' -C 'a new host' -f (Join-Path $folder 'ssh_host_ed25519_key')
        ip netns exec $node.Namespace /usr/sbin/sshd -f (Join-Path $folder 'sshd_config') -E (Join-Path $folder 'sshd.log')
        Wait-Until { $probe = [Net.Sockets.TcpClient]::new(); try { $probe.ConnectAsync($node.Address, 22).Wait(500) } catch { $false } finally { $probe.Dispose() } } -Because 'the node''s sshd to listen again'

        $refused = $null
        try { Connect-VmCluster -Path $script:cluster.Path | Out-Null } catch { $refused = $_ }

        $refused | Should -Not -BeNullOrEmpty
        $refused.FullyQualifiedErrorId | Should -BeLike 'HostKeyChanged,*'
        $refused.TargetObject | Should -Be $node.Node
        $refused.ToString() | Should -Match "^node $($node.Node): its SSH host key at $([regex]::Escape($node.Address)):22 is not the one pinned in \S+known_hosts"
        (Get-VmCluster).Name | Should -Be $script:cluster.Name -Because 'the refused connection did not become the default'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
    }
}

Describe 'A two-node cluster with one network namespace per node' -Skip:(-not $isRoot) {
    BeforeAll {
        $script:pair = New-TestCluster -Isolation Namespace -NodeCount 2 -DiskCount 3 -Faults -FailureTimeout ([TimeSpan]::FromSeconds(3))
    }

    AfterAll {
        $script:pair | Remove-TestCluster
    }

    It 'keeps exactly one side working when cut in half, and the healed side converges' {
        $before = Assert-ClusterConsistent -Cluster $script:pair
        # Arrange: n1 holds the disk lease (n2 stops renewing until n1 reads itself the holder; then n2 reads so too).
        $holds = { param($Node) ((Get-AgentLog $script:pair $Node) -split "`n" | Where-Object { $_ -match 'holds the disk lease' } | Select-Object -Last 1) -match ' n1 holds' }
        if (-not ((& $holds n1) -and (& $holds n2))) {
            Set-TestFault -Cluster $script:pair -Node n2 -Rule 'skip:RenewLease'
            try { Wait-Until { & $holds n1 } -Timeout ([TimeSpan]::FromSeconds(30)) -Because 'n1 to take the lease n2 stopped renewing' }
            finally { Clear-TestFault -Cluster $script:pair -Node n2 }
            Wait-Until { & $holds n2 } -Because 'n2, renewing again, to read that n1 holds the lease'
        }

        Set-TestLink -Cluster $script:pair -Node n2 -State down
        try {
            Wait-Until { $v = Get-AgentView $script:pair n1; $v.Master -eq 'n1' -and $v.States['n2'] -eq 'Left' } -Because 'n1, holding the lease, to evict n2'
            Wait-Until { -not (Get-AgentView $script:pair n2).Master } -Because 'n2, without the lease, to stop following any master'
            New-VmDiskGroup -Cluster $script:pair -Name dghalf -Disk d01 -Shared | Out-Null
            (Get-AgentView $script:pair n1).Generation | Should -Be ($before + 1)
            (Get-AgentView $script:pair n2).Generation | Should -Be $before -Because 'the side without quorum never commits'
        }
        finally {
            Set-TestLink -Cluster $script:pair -Node n2 -State up
        }
        Wait-Until { Test-Converged $script:pair @('n1', 'n2') ($before + 1) 'n1' } -Timeout ([TimeSpan]::FromSeconds(40)) -Because 'n2 to rejoin and take the configuration'
    }

    It 'Stop-VmLocalCluster removes every namespace, link and process it made' {
        $network = @(Get-TestNetwork $script:pair)
        $id = ($network[0].Namespace -split '-')[0].Substring(2)
        $agents = @(Get-VmNode -Cluster $script:pair | ForEach-Object AgentProcessId)
        $sshds = @($network.Node | ForEach-Object { Get-Content (Join-Path (Split-Path $script:pair.Path) 'nodes' $_ 'sshd' 'sshd.pid') })

        Stop-VmLocalCluster -Cluster $script:pair -Remove -Confirm:$false
        $script:pair = $null

        $namespaces = @(ip netns list | ForEach-Object { ($_ -split ' ')[0] })
        foreach ($node in $network) { $namespaces | Should -Not -Contain $node.Namespace }
        @(ip -br link | Where-Object { $_ -match "^vm[bv]$id" }) | Should -BeNullOrEmpty
        foreach ($process in $agents + $sshds) { Test-Running $process | Should -BeFalse -Because "process $process was started for the cluster" }
    }
}
