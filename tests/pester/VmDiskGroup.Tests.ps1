#Requires -Modules Pester
# New-VmDiskGroup / Get-VmDiskGroup / Remove-VmDiskGroup on a real 3-node cluster, over each transport.

BeforeDiscovery {
    $transports = @(@{ Transport = 'Local' }, @{ Transport = 'Ssh' })
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
}

Describe 'Disk groups over <Transport> endpoints' -ForEach $transports {
    BeforeAll {
        $script:cluster = New-TestCluster -Transport $Transport
    }
    AfterAll {
        $script:cluster | Remove-TestCluster
    }

    It 'creates a shared disk group on every node with equal generations' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $group = New-VmDiskGroup -Name dg01 -Disk d01, d02 -Shared
        $group.Name | Should -Be 'dg01'
        $group.Shared | Should -BeTrue
        $group.Disks | Should -Be @('d01', 'd02')
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        foreach ($node in 'n1', 'n2', 'n3') {
            $seen = Get-VmDiskGroup -Name dg01 -Node $node
            $seen.Generation | Should -Be ($before + 1)
            $seen.Disks | Should -Be @('d01', 'd02')
        }
        (Get-VmDisk -Name d01).DiskGroup | Should -Be 'dg01'
    }

    It 'refuses a duplicate name locally with DiskGroupNameExists and moves no generation' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $transactions = @(Get-VmTransaction -Node n2).Count
        New-VmDiskGroup -Name dg01 -Disk d03 -Shared -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskGroupNameExists,*'
        $err[0].TargetObject | Should -Be 'dg01'
        $err[0].ToString() | Should -Match "disk group named 'dg01' already exists"
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        @(Get-VmTransaction -Node n2).Count | Should -Be $transactions -Because 'a local failure sends nothing to any node'
    }

    It 'fails with PrivateDiskGroupNameConflict naming node 2 when node 2 has a private group of that name' {
        New-VmDiskGroup -Name dgp -Disk d03 -Node n2 | Select-Object -ExpandProperty Shared | Should -BeFalse
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        New-VmDiskGroup -Name dgp -Disk d04 -Shared -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PrivateDiskGroupNameConflict,*'
        $err[0].TargetObject | Should -Be 'n2'
        $err[0].ToString() | Should -Match '^node n2'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        (Get-VmTransaction -Node n3)[-1].State | Should -Be 'Aborted'
        Remove-VmDiskGroup -Name dgp -Node n2 -Confirm:$false
        Get-VmDiskGroup -Node n2 | Where-Object Name -eq dgp | Should -BeNullOrEmpty
    }

    It 'fails with DiskNotAccessible naming node 3 for a disk node 3 cannot see' {
        $link = (Get-Item (Join-Path (Split-Path $script:cluster.Path) 'nodes' 'n3' 'dev' 'd05-*')).FullName
        $target = (Get-Item -LiteralPath $link).Target
        Remove-Item -LiteralPath $link
        try {
            $before = Assert-ClusterConsistent -Cluster $script:cluster
            New-VmDiskGroup -Name dg05 -Disk d05 -Shared -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskNotAccessible,*'
            $err[0].TargetObject | Should -Be 'n3'
            $err[0].ToString() | Should -Match "node n3 cannot open disk 'd05'"
            Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
            Get-VmDiskGroup -Node n1 | Where-Object Name -eq dg05 | Should -BeNullOrEmpty
        }
        finally {
            New-Item -ItemType SymbolicLink -Path $link -Target $target | Out-Null
        }
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-GenerationMap -Cluster $script:cluster
        New-VmDiskGroup -Name dgwhatif -Disk d04 -Shared -WhatIf | Should -BeNullOrEmpty
        Remove-VmDiskGroup -Name dg01 -WhatIf
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
        Get-VmDiskGroup -Name dg01 | Should -Not -BeNullOrEmpty
        Get-VmDiskGroup | Where-Object Name -eq dgwhatif | Should -BeNullOrEmpty
    }

    It 'returns one check result per node under -CheckOnly and changes nothing' {
        $before = Get-GenerationMap -Cluster $script:cluster
        $results = @(New-VmDiskGroup -Name dgcheck -Disk d04 -Shared -CheckOnly)
        $results.Count | Should -Be 3
        $results.Node | Sort-Object | Should -Be @('n1', 'n2', 'n3')
        $results | ForEach-Object { $_.Passed | Should -BeTrue }
        $results[0].Checks.Name | Should -Contain 'StaleGeneration'
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'does not count a -CheckOnly proposal as any node''s last abort reason' {
        # Each node's own reason, from its own agent (not yet carried by heartbeats).
        $reasons = { foreach ($session in $script:cluster.Sessions) {
                $view = (Invoke-Command -Session $session -ScriptBlock { Invoke-VmAgentRequest -Request '{"kind":"ViewQuery"}' } | ConvertFrom-Json).view
                "$($session.Name)=$(($view.members | Where-Object name -eq $session.Name).lastAbortReason)" } }
        $before = & $reasons
        $results = @(New-VmDiskGroup -Name dgchecked -Disk d04 -Shared -CheckOnly)
        $results | ForEach-Object { $_.Passed | Should -BeTrue }
        & $reasons | Should -Be $before
        $record = Get-VmTransaction -Node n3 -Id $results[0].TransactionId
        $record.State | Should -Be 'Aborted'
        $record.Error | Should -Be "$($results[0].TransactionId) was only checked (-CheckOnly)."
    }

    It 'refuses bad names and unknown disks with a clear error naming the input, writing nothing' -ForEach @(
        @{ Name = ''; Id = 'InvalidName|ParameterArgumentValidationErrorEmptyStringNotAllowed' }
        @{ Name = '../x'; Id = 'InvalidName' }
        @{ Name = 'a;b'; Id = 'InvalidName' }
        @{ Name = ('x' * 200); Id = 'InvalidName' }
    ) {
        $before = Get-GenerationMap -Cluster $script:cluster
        { New-VmDiskGroup -Name $Name -Disk d04 -Shared -ErrorAction Stop } | Should -Throw -ErrorId "*"
        try { New-VmDiskGroup -Name $Name -Disk d04 -Shared -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Match "^($Id)"
        if ($Name) { $caught.ToString() | Should -Match ([regex]::Escape($Name.Substring(0, [Math]::Min(20, $Name.Length)))) }
        Get-GenerationMap -Cluster $script:cluster | Should -Be $before
    }

    It 'refuses an unknown disk with DiskNotFound naming it' {
        New-VmDiskGroup -Name dgx -Disk d99 -Shared -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskNotFound,*'
        $err[0].ToString() | Should -Match "'d99'"
    }

    It 'fails with AgentNotRunning naming node 2 when its agent is killed, and nothing changes anywhere' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        $agent = (Get-VmNode -Name n2).AgentProcessId
        $agent | Should -BeGreaterThan 0
        Stop-Process -Id $agent -Force
        Wait-Until { (Get-VmNode -Name n2).State -eq 'Down' } -Because 'the master to see the agent of n2 go'
        New-VmDiskGroup -Name dgdown -Disk d04 -Shared -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -BeGreaterOrEqual 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AgentNotRunning,*'
        $err[0].TargetObject | Should -Be 'n2'
        $err[0].ToString() | Should -Match 'node n2'
        Add-VmNode -Name n2 | Select-Object -ExpandProperty State | Should -Be 'Joined'
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $before
        Get-VmDiskGroup -Node n2 | Where-Object Name -eq dgdown | Should -BeNullOrEmpty
    }

    It 'keeps the disk group when every agent restarts (durable)' {
        $generation = Assert-ClusterConsistent -Cluster $script:cluster
        $path = Split-Path $script:cluster.Path
        Stop-VmLocalCluster -Cluster $script:cluster
        $script:cluster = Start-VmLocalCluster -Path $path
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be $generation
        foreach ($node in 'n1', 'n2', 'n3') { (Get-VmDiskGroup -Name dg01 -Node $node).Disks | Should -Be @('d01', 'd02') }
    }

    It 'removes the disk group from every node' {
        $before = Assert-ClusterConsistent -Cluster $script:cluster
        Remove-VmDiskGroup -Name dg01 -Confirm:$false
        Assert-ClusterConsistent -Cluster $script:cluster | Should -Be ($before + 1)
        foreach ($node in 'n1', 'n2', 'n3') { Get-VmDiskGroup -Node $node | Where-Object Name -eq dg01 | Should -BeNullOrEmpty }
        (Get-VmDisk -Name d01).DiskGroup | Should -BeNullOrEmpty
        Remove-VmDiskGroup -Name dg01 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DiskGroupNotFound,*'
    }
}
