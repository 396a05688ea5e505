#Requires -Modules Pester
# A new node on a host of its own (issue 13): the host is installed as an administrator installs one (module, sshd's
# powershell subsystem, the agent started by its unit and waiting for a definition), and Add-VmNode -Endpoint
# -Address, from a connection made by definition (not a local cluster), hands it the cluster's definition and key over
# its remoting session, commits AddNode on every member, and the waiting agent joins.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Ssh -NodeCount 3 -DiskCount 3
    $script:admin = Connect-VmCluster -Path $script:cluster.Path
    $script:spares = @()

    # A node's view straight from its agent: the cluster's nodes under the cluster's folder, a spare host's in its own.
    function Get-HostView([string] $Node) {
        $spare = $script:spares | Where-Object Name -eq $Node
        if (-not $spare) { return Get-AgentView $script:cluster $Node }
        Get-AgentView $script:cluster $Node -StateDirectory $spare.StateDirectory
    }
}

AfterAll {
    try { $script:spares | Stop-TestSpareHost }
    finally {
        if ($script:admin) { $script:admin | Disconnect-VmCluster -ErrorAction Ignore }
        $script:cluster | Remove-TestCluster
    }
}

Describe 'Add-VmNode of a node on its own host' {
    It 'hands the host the definition and key over its session, commits on every member, and the waiting agent joins' {
        $spare = Start-TestSpareHost -Cluster $script:cluster -Name n4
        $script:spares += $spare
        $before = Assert-ClusterConsistent -Cluster $script:cluster

        $node = Add-VmNode -Cluster $script:admin -Name n4 -Endpoint $spare.Endpoint -Address $spare.Address -StateDirectory $spare.StateDirectory

        $node.State | Should -Be 'Joined'
        $node.Address | Should -Be $spare.Address
        Get-Content $spare.Definition -Raw | Should -Match 'name: n4'
        $key = Join-Path (Split-Path $spare.Definition) 'cluster.key'
        [IO.File]::ReadAllBytes($key) | Should -Be ([IO.File]::ReadAllBytes((Join-Path (Split-Path $script:cluster.Path) 'cluster.key')))
        (Get-Item $key).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') -Because 'the key is owner-only on the new host'
        (Get-Item $spare.Definition).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        foreach ($n in 'n1', 'n2', 'n3', 'n4') { (Get-HostView $n).States.Count | Should -Be 4 -Because "$n counts four members" }

        New-VmDiskGroup -Cluster $script:admin -Name dghost -Disk d01 -Shared | Out-Null
        $generation = (Get-AgentView $script:cluster n1).Generation
        $generation | Should -Be ($before + 2)
        (Get-HostView n4).Generation | Should -Be $generation -Because 'the new node took the configuration and the next change'
        (Get-VmDiskGroup -Cluster $script:admin -Name dghost -Node n4).Disks | Should -Be @('d01')
    }

    It 'refuses a host that already holds another cluster''s key, and nothing changes' {
        $spare = Start-TestSpareHost -Cluster $script:cluster -Name n5
        $script:spares += $spare
        New-Item -ItemType Directory -Force (Split-Path $spare.Definition) | Out-Null
        $foreign = Join-Path (Split-Path $spare.Definition) 'cluster.key'
        [IO.File]::WriteAllBytes($foreign, [byte[]](1..32))
        [IO.File]::SetUnixFileMode($foreign, 'UserRead, UserWrite')
        $before = (Get-AgentView $script:cluster n1).Generation

        { Add-VmNode -Cluster $script:admin -Name n5 -Endpoint $spare.Endpoint -Address $spare.Address -StateDirectory $spare.StateDirectory -ErrorAction Stop } |
            Should -Throw -ErrorId 'HostInAnotherCluster,*'

        (Get-AgentView $script:cluster n1).Generation | Should -Be $before
        (Get-AgentView $script:cluster n1).States.Keys | Should -Not -Contain 'n5'
        Test-Path $spare.Definition | Should -BeFalse -Because 'the host is left as it was'
        [IO.File]::ReadAllBytes($foreign) | Should -Be ([byte[]](1..32))
    }

    It 'refuses a host that names itself otherwise than the node being added, and nothing changes' {
        $spare = Start-TestSpareHost -Cluster $script:cluster -Name n6
        $script:spares += $spare
        $before = (Get-AgentView $script:cluster n1).Generation

        { Add-VmNode -Cluster $script:admin -Name n7 -Endpoint $spare.Endpoint -Address $spare.Address -StateDirectory $spare.StateDirectory -ErrorAction Stop } |
            Should -Throw -ErrorId 'NodeNameMismatch,*'

        (Get-AgentView $script:cluster n1).Generation | Should -Be $before
        Test-Path $spare.Definition | Should -BeFalse
    }

    It 'asks for -Endpoint and -Address for a new node of a cluster that is not local, and nothing changes' {
        $before = (Get-AgentView $script:cluster n1).Generation
        { Add-VmNode -Cluster $script:admin -Name n6 -ErrorAction Stop } | Should -Throw -ErrorId 'NodeAddressMissing,*'
        { Add-VmNode -Cluster $script:admin -Name n6 -Endpoint 'http://x' -Address '127.0.0.1:1' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidEndpoint,*'
        { Add-VmNode -Cluster $script:admin -Name n6 -Endpoint 'ssh://127.0.0.1' -Address 'nowhere' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidAddress,*'
        (Get-AgentView $script:cluster n1).Generation | Should -Be $before
    }

    It 'removes the node for good again' {
        Remove-VmNode -Cluster $script:admin -Name n4 -Permanent -Confirm:$false
        foreach ($n in 'n1', 'n2', 'n3') { (Get-AgentView $script:cluster $n).States.Keys | Should -Not -Contain 'n4' }
    }
}
