#Requires -Modules Pester
# Start-VmLocalCluster, Connect-VmCluster, Get-VmCluster, Get-VmNode, Disconnect-VmCluster, and bad cluster definitions.

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'A local cluster' {
    It 'has one master, the lowest rank, and every node Joined with its agent running' {
        $nodes = @(Get-VmNode)
        $nodes.Count | Should -Be 3
        $nodes | ForEach-Object { $_.State | Should -Be 'Joined'; $_.AgentRunning | Should -BeTrue; $_.AgentProcessId | Should -BeGreaterThan 0 }
        @($nodes | Where-Object Role -eq 'Master').Count | Should -Be 1
        ($nodes | Sort-Object Rank)[0].Role | Should -Be 'Master'
        (Get-VmCluster).Master | Should -Be ($nodes | Where-Object Role -eq 'Master').Name
        (Get-VmCluster).Members | Should -Be @('n1', 'n2', 'n3')
    }

    It 'lets a second connection adopt the same cluster from its definition file' {
        $second = Connect-VmCluster -Path $script:cluster.Path
        try {
            $second.Id | Should -Be $script:cluster.Id
            $second.Sessions.Count | Should -Be 3
            (Get-VmNode -Cluster $second).Count | Should -Be 3
            (Get-VmCluster -Cluster $second).Generation | Should -Be (Get-VmCluster -Cluster $script:cluster).Generation
        }
        finally {
            Disconnect-VmCluster -Cluster $second
        }
        $second.Sessions | ForEach-Object { $_.Runspace.RunspaceStateInfo.State | Should -Not -Be 'Opened' }
        (Get-VmNode -Cluster $script:cluster).Count | Should -Be 3 -Because 'the first connection is untouched'
    }

    It 'refuses to create a cluster in a folder that holds other files' {
        $folder = Join-Path $TestDrive 'busy'
        New-Item -ItemType Directory -Path $folder | Out-Null
        Set-Content -Path (Join-Path $folder 'keep.txt') -Value 'mine'
        { Start-VmLocalCluster -Path $folder -NodeCount 1 } | Should -Throw -ErrorId 'LocalClusterPathNotEmpty*'
        Get-Content (Join-Path $folder 'keep.txt') | Should -Be 'mine'
        @(Get-ChildItem $folder).Count | Should -Be 1
    }

    It 'leaves no agent running and no folder behind when its start is stopped (Ctrl+C)' {
        $folder = Join-Path $TestDrive 'stopped'
        $pidFile = Join-Path $folder 'nodes' 'n1' 'state' 'vmconfigd.pid'
        $runspace = New-ModuleRunspace
        $ps = [powershell]::Create($runspace)
        try {
            $null = $ps.AddCommand('Start-VmLocalCluster').AddParameters(@{ Path = $folder; NodeCount = 3; DiskCount = 1; DiskSize = 16MB })
            $async = $ps.BeginInvoke()
            Wait-Until { (Test-Path $pidFile) -and (Get-Content $pidFile -ErrorAction Ignore) } -Because 'the first agent to start'
            $agent = [int](Get-Content $pidFile)
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped' -Because 'the stop lands while the endpoints open'
        }
        finally { $ps.Dispose(); $runspace.Dispose() }
        Wait-Until { -not (Get-Process -Id $agent -ErrorAction Ignore) } -Because "agent $agent to end"
        Test-Path $folder | Should -BeFalse -Because 'the start made the folder, so it removes it'
    }
}

Describe 'A malformed cluster definition' {
    BeforeAll {
        $script:good = Get-Content -Raw $script:cluster.Path
    }

    It 'is refused naming the file, the line and what was wrong: <Case>' -ForEach @(
        @{ Case = 'bad YAML'; Edit = { param($t) $t -replace 'nodes:', "nodes: [`n" }; Pattern = 'line \d+' }
        @{ Case = 'an unknown key'; Edit = { param($t) $t -replace 'nodes:', 'nodez:' }; Pattern = "nodez" }
        @{ Case = 'a bad duration'; Edit = { param($t) $t -replace 'failureTimeout: \S+', 'failureTimeout: 10parsecs' }; Pattern = '10parsecs' }
        @{ Case = 'a duplicate node'; Edit = { param($t) $t -replace '- name: n2', '- name: n1' }; Pattern = "n1" }
        @{ Case = 'a bad node name'; Edit = { param($t) $t -replace '- name: n3', '- name: a;b' }; Pattern = "a;b" }
    ) {
        $file = Join-Path $TestDrive "cluster-$([Guid]::NewGuid().ToString('N')).yaml"
        $text = & $Edit $script:good
        Set-Content -Path $file -Value $text -NoNewline
        $caught = $null
        try { Connect-VmCluster -Path $file } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'InvalidClusterDefinition*'
        $caught.ToString() | Should -Match ([regex]::Escape($file))
        $caught.ToString() | Should -Match 'line \d+, column \d+'
        $caught.ToString() | Should -Match $Pattern
        Get-Content -Raw $file | Should -Be $text -Because 'nothing is written'
    }

    It 'is refused when the file does not exist' {
        { Connect-VmCluster -Path (Join-Path $TestDrive 'missing.yaml') } | Should -Throw -ErrorId 'ClusterDefinitionNotFound*'
    }
}
