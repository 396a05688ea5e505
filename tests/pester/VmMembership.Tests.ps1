#Requires -Modules Pester
# Growing and shrinking a running cluster online: Add-VmNode of a node the cluster does not define yet, and
# Remove-VmNode -Permanent. Each is one transaction through the usual protocol: every member's cluster definition,
# membership and quorum change at its commit; a change running meanwhile follows the join rules.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -NodeCount 3 -DiskCount 3 -Faults -FailureTimeout ([TimeSpan]::FromSeconds(4))

    # The node names a cluster.yaml defines (the file every agent of the local cluster was started with).
    function Get-DefinedNode($Cluster) {
        @(Get-Content $Cluster.Path | Where-Object { $_ -match '^\s*-?\s*name:\s*(\S+)' } | ForEach-Object { $Matches[1] } | Select-Object -Skip 1)
    }

    function Get-MemberCount($Cluster, [string] $Node) {
        @((Get-AgentView $Cluster $Node).States.GetEnumerator() | Where-Object Value -ne 'Left').Count
    }
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Add-VmNode and Remove-VmNode -Permanent on a running three-node cluster' {
    It 'adds a new node n4: every member defines and counts it, it joins, and the next change commits on all four' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $node = Add-VmNode -Cluster $script:cluster -Name n4
        $node.Name | Should -Be 'n4'
        $node.State | Should -Be 'Joined'
        Get-DefinedNode $script:cluster | Should -Be @('n1', 'n2', 'n3', 'n4')
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1) -Because 'the addition is a transaction of its own'
        foreach ($n in 'n1', 'n2', 'n3', 'n4') { Get-MemberCount $script:cluster $n | Should -Be 4 -Because "$n counts four members in its quorum" }
        $id = (Get-VmTransaction -Cluster $script:cluster -Node n1 | Where-Object { $_.Operations -match 'add node n4' })[-1].Id
        foreach ($n in 'n1', 'n2', 'n3') { (Get-VmTransaction -Cluster $script:cluster -Node $n -Id $id).State | Should -Be 'Committed' }

        New-VmDiskGroup -Cluster $script:cluster -Name dggrow -Disk d01 -Shared | Out-Null
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
        $id = (Get-VmTransaction -Cluster $script:cluster -Node n1 | Where-Object { $_.Operations -match 'dggrow' })[-1].Id
        (Get-TestTransaction -Cluster $script:cluster -Node n1 -Id $id).transaction.members | Sort-Object | Should -Be @('n1', 'n2', 'n3', 'n4')
        (Get-VmDiskGroup -Cluster $script:cluster -Name dggrow -Node n4).Disks | Should -Be @('d01')
    }

    It 'joins a defined node again instead of adding it twice' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Add-VmNode -Cluster $script:cluster -Name n4 | Select-Object -ExpandProperty State | Should -Be 'Joined' -Because 'a defined node is joined again, not added twice'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        @(Get-VmNode -Cluster $script:cluster).ReplayRefused | Should -Be @(0, 0, 0, 0) -Because 'each node reports the replays its interconnect refused, none here'
    }

    It 'removes n4 for good: every member drops it from its definition and quorum, and changes go on among three' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $agent = (Get-VmNode -Cluster $script:cluster -Name n4).AgentProcessId
        Remove-VmNode -Cluster $script:cluster -Name n4 -Permanent -Confirm:$false
        Get-DefinedNode $script:cluster | Should -Be @('n1', 'n2', 'n3')
        Get-VmNode -Cluster $script:cluster -Name n4 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $script:cluster.Members | Sort-Object | Should -Be @('n1', 'n2', 'n3')
        Get-Process -Id $agent -ErrorAction Ignore | Should -BeNullOrEmpty -Because 'the removed node''s agent is stopped'
        foreach ($n in 'n1', 'n2', 'n3') { Get-MemberCount $script:cluster $n | Should -Be 3 }
        New-VmDiskGroup -Cluster $script:cluster -Name dgshrink -Disk d02 -Shared | Out-Null
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 2)
    }

    It 'refuses to remove the master for good (NodeIsMaster) and changes nothing' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $master = $script:cluster.Master
        Remove-VmNode -Cluster $script:cluster -Name $master -Permanent -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -BeGreaterOrEqual 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'NodeIsMaster,*'
        Get-DefinedNode $script:cluster | Should -Contain $master
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
    }

    It 'handles a change made while a node is added, and one made while it is removed, by the join rules' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $change = Start-ThreadJob -ScriptBlock {
            param($cluster)
            1..3 | ForEach-Object { New-VmVolume -Cluster $cluster -DiskGroup dggrow -Name "vgrow$_" -Size 4MB -Timeout ([TimeSpan]::FromSeconds(60)) }
        } -ArgumentList $script:cluster
        (Add-VmNode -Cluster $script:cluster -Name n5 -Timeout ([TimeSpan]::FromSeconds(60))).State | Should -Be 'Joined'
        @($change | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop).Name | Should -Be @('vgrow1', 'vgrow2', 'vgrow3')
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 4)
        (Get-VmVolume -Cluster $script:cluster -DiskGroup dggrow -Node n5).Name | Sort-Object | Should -Be @('vgrow1', 'vgrow2', 'vgrow3') -Because 'the new node takes the configuration'

        $change = Start-ThreadJob -ScriptBlock {
            param($cluster)
            1..3 | ForEach-Object { Remove-VmVolume -Cluster $cluster -DiskGroup dggrow -Name "vgrow$_" -Confirm:$false -Timeout ([TimeSpan]::FromSeconds(60)) }
        } -ArgumentList $script:cluster
        Remove-VmNode -Cluster $script:cluster -Name n5 -Permanent -Confirm:$false -Timeout ([TimeSpan]::FromSeconds(60))
        $change | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 8)
        Get-VmVolume -Cluster $script:cluster -DiskGroup dggrow | Should -BeNullOrEmpty
        Get-DefinedNode $script:cluster | Should -Be @('n1', 'n2', 'n3')
    }
}

Describe 'A node''s endpoint offers only what nodes need' {
    It 'runs the node-side commands and refuses any other command or script; users are not given Invoke-VmAgentRequest' {
        Get-Command -Module VolumeManager -Name Invoke-VmAgentRequest, Install-VmClusterDefinition -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-Command -Module VolumeManager -Name Test-VmProposal | Should -Not -BeNullOrEmpty
        $session = $script:cluster.Sessions[0]
        $json = Invoke-Command -Session $session -ScriptBlock { Invoke-VmAgentRequest -Request '{"kind":"ViewQuery"}' }
        ($json | ConvertFrom-Json).ok | Should -BeTrue
        @(Invoke-Command -Session $session -ScriptBlock { Get-Command } | Where-Object CommandType -eq 'Cmdlet').Name | Sort-Object |
            Should -Be @('Install-VmClusterDefinition', 'Invoke-VmAgentRequest', 'Invoke-VmKernelCommit', 'Test-VmProposal')
        Invoke-Command -Session $session -ScriptBlock { Get-ChildItem / } -ErrorVariable refused -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'CommandNotFoundException*'
        Invoke-Command -Session $session -ScriptBlock { 1 + 1 } -ErrorVariable script -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($script[0])" | Should -Match 'no-language mode'
        Invoke-Command -Session $session -ScriptBlock { New-VmVolume -DiskGroup dggrow -Name sneaky -Size 1MB } -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-VmVolume -Cluster $script:cluster -DiskGroup dggrow | Where-Object Name -eq sneaky | Should -BeNullOrEmpty
    }

    It 'ships for real hosts the same session configuration the test nodes run, and the sshd subsystem line that applies it' {
        $deploy = Join-Path $PSScriptRoot '..' '..' 'examples' 'deploy'
        $shipped = Get-Content (Join-Path $deploy 'VolumeManager.Node.pssc') -Raw
        $manifest = [regex]::Match($shipped, "ModulesToImport = '([^']+)'").Groups[1].Value
        $manifest | Should -BeLike '/*/VolumeManager/*/node/VolumeManager.Node.psd1'
        $shipped | Should -Be (& (Get-Module VolumeManager) { param($m) [VolumeManager.Cmdlets.Endpoints.NodeSessionConfiguration]::Text($m) } $manifest)
        $local = Join-Path (Split-Path $script:cluster.Path) 'nodes' 'n1' 'VolumeManager.Node.pssc'
        (Get-Content $local -Raw) | Should -Be (& (Get-Module VolumeManager) { param($m) [VolumeManager.Cmdlets.Endpoints.NodeSessionConfiguration]::Text($m) } (Join-Path (Get-Module VolumeManager).ModuleBase 'node' 'VolumeManager.Node.psd1'))
        # The shipped line gives pwsh the runtime settings the test clusters' endpoints run with.
        $runtime = [VolumeManager.Cmdlets.Endpoints.EndpointRuntime]::Variables.GetEnumerator() | Sort-Object Key -Descending | ForEach-Object { "$($_.Key)=$($_.Value)" }
        Get-Content (Join-Path $deploy 'sshd-powershell.conf') | Where-Object { $_ -like 'Subsystem *' } |
            Should -Be "Subsystem powershell /usr/bin/env $runtime /opt/microsoft/powershell/7/pwsh -sshs -NoLogo -NoProfile -ConfigurationFile /etc/volumemanager/VolumeManager.Node.pssc"
    }
}
