# Two runspaces in one process, each connected to its own cluster: each sees its own as the default (-Cluster
# omitted), and disconnecting one leaves the other connected.

BeforeAll {
    Import-Module VolumeManager -Force -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:clusters = @(
        New-TestCluster -NodeCount 1 -DiskCount 1
        New-TestCluster -NodeCount 1 -DiskCount 1
    )
    $script:manifest = (Get-Module VolumeManager).Path
}

AfterAll {
    foreach ($cluster in $clusters) { Stop-VmLocalCluster -Cluster $cluster -Remove -Confirm:$false -ErrorAction Ignore }
}

Describe 'The default cluster' {
    It 'is per runspace: two runspaces connected to two clusters each see their own' {
        $runspaces = foreach ($cluster in $clusters) {
            $runspace = [runspacefactory]::CreateRunspace()
            $runspace.Open()
            $ps = [powershell]::Create($runspace)
            $null = $ps.AddScript('param($Manifest, $Path) Import-Module $Manifest; Connect-VmCluster -Path $Path | Out-Null').AddArgument($manifest).AddArgument($cluster.Path)
            $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $ps.Dispose()
            $runspace
        }
        try {
            $seen = foreach ($runspace in $runspaces) {
                $ps = [powershell]::Create($runspace)
                $result = $ps.AddScript('(Get-VmCluster).Id').Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                $ps.Dispose()
                $result[0]
            }
            $seen | Should -Be $clusters.Id

            $ps = [powershell]::Create($runspaces[0])
            $null = $ps.AddScript('Disconnect-VmCluster').Invoke()
            $ps.Dispose()
            $ps = [powershell]::Create($runspaces[1])
            $still = $ps.AddScript('(Get-VmCluster).Id').Invoke()
            $ps.Dispose()
            $still[0] | Should -Be $clusters[1].Id
        }
        finally {
            foreach ($runspace in $runspaces) { $runspace.Dispose() }
        }
    }
}
