#Requires -Modules Pester
# The dirty region log on real agents: a node killed (its agent and its endpoint, kill -9) while fio writes through
# its NBD export; the coordinating node copies only the regions the dead node's log marks dirty, and a mirror without
# a log is copied whole. Skipped, saying so, where fio is not installed.

BeforeDiscovery {
    $script:noFio = -not (Get-Command fio -ErrorAction Ignore)
}

BeforeAll {
    Import-Module VolumeManager -ErrorAction Stop
    Import-Module (Join-Path $PSScriptRoot 'VolumeManager.TestHelpers.psm1') -Force
    $script:cluster = New-TestCluster -Transport Local -DiskCount 4
    $script:temp = Split-Path $script:cluster.Path
    New-VmDiskGroup -Name dgl -Disk d01, d02, d03, d04 -Shared | Out-Null

    # kill -9 of a node's agent and of the endpoint process the cluster connection opened for it.
    function Stop-NodeHard([string] $Node) {
        $state = Get-StateDirectory $script:cluster $Node
        $socket = "VM_AGENT_SOCKET=$(Join-Path $state 'vmconfigd.sock')"
        $endpoint = Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -match '^\d+$' | Where-Object {
            try { ([IO.File]::ReadAllText("/proc/$($_.Name)/environ") -split "`0") -contains $socket } catch { $false }
        } | Select-Object -First 1
        Stop-Process -Id (Get-VmNode -Name $Node).AgentProcessId -Force
        if ($endpoint) { Stop-Process -Id ([int]$endpoint.Name) -Force -ErrorAction Ignore }
        [bool]$endpoint
    }

    # fio random writes through $Node to 8 MiB of the volume from 16 MiB on, until killed.
    function Start-Writer([string] $Volume, [string] $Node) {
        $uri = (Get-VmVolume -DiskGroup dgl -Name $Volume -Node $Node).NbdUri
        $out = Join-Path $script:temp "fio-$Volume.out"
        Start-Process fio -PassThru -RedirectStandardOutput $out -RedirectStandardError "$out.err" -ArgumentList @(
            '--name=crash', '--ioengine=nbd', "--uri=$uri", '--rw=randwrite', '--bs=64k', '--iodepth=8',
            '--offset=16M', '--size=8M', '--time_based', '--runtime=120')
    }

    function Get-Recovery([string] $Volume, [string] $ForNode) {
        Get-VmTask -DiskGroup dgl -Volume $Volume | Where-Object { $_.Kind -eq 'Recovery' -and $_.ForNode -eq $ForNode } | Select-Object -First 1
    }

    $script:slaves = @(Get-VmNode | Where-Object Name -ne (Get-VmCluster).Master | Sort-Object Name).Name
}

AfterAll {
    $script:cluster | Remove-TestCluster
}

Describe 'Dirty region log' {
    It 'is on by default for a mirror and off for a single plex, as -Log and Add-VmMirror say' {
        (New-VmVolume -DiskGroup dgl -Name m -Size 8MB -Mirror 2).Log | Should -Be 'Drl'
        (New-VmVolume -DiskGroup dgl -Name one -Size 8MB).Log | Should -Be 'None'
        (New-VmVolume -DiskGroup dgl -Name bare -Size 8MB -Mirror 2 -Log None).Log | Should -Be 'None'
        Add-VmMirror -DiskGroup dgl -Volume one | Out-Null
        (Get-VmVolume -DiskGroup dgl -Name one -Node n3).Log | Should -Be 'Drl' -Because 'a volume that becomes a mirror gets a log'
        { New-VmVolume -DiskGroup dgl -Name bad -Size 8MB -Log Bitmap } | Should -Throw '*Bitmap*'
        foreach ($name in 'm', 'one', 'bare') { Remove-VmVolume -DiskGroup dgl -Name $name -Confirm:$false -ErrorAction Ignore }
    }
}

Describe 'A node killed during a fio write loop' -Skip:$script:noFio {
    It 'has a mirror without a log copied whole' {
        $writer = $script:slaves[1]   # first: its agent alone is killed, and started again
        New-VmVolume -DiskGroup dgl -Name unlogged -Size 24MB -Mirror 2 -Log None | Out-Null
        $fio = Start-Writer unlogged $writer
        try {
            Start-Sleep -Seconds 2
            $fio.HasExited | Should -BeFalse
            Stop-Process -Id (Get-VmNode -Name $writer).AgentProcessId -Force   # the agent only: its endpoint stays for the test after
            Wait-Until { $fio.HasExited } -Because 'fio to lose its server'
        }
        finally { if (-not $fio.HasExited) { Stop-Process -Id $fio.Id -Force } }
        Wait-Until { (Get-Recovery unlogged $writer).State -eq 'Completed' } -Timeout ([TimeSpan]::FromSeconds(60)) -Because 'the master to copy the volume'
        $task = Get-Recovery unlogged $writer
        $task.DoneBytes | Should -Be 24MB
        $task.RegionsTotal | Should -Be 24
        $plexes = (Get-VmVolume -DiskGroup dgl -Name unlogged -Node n1).Plexes.Name
        Get-PlexHash $script:cluster dgl unlogged $plexes[0] 24MB | Should -Be (Get-PlexHash $script:cluster dgl unlogged $plexes[1] 24MB)
        Restore-TestCluster -Cluster $script:cluster
    }
    # Last: the killed endpoint cannot be opened again in this connection.
    It 'has only its dirty regions copied, by the master, and the plexes compare equal' {
        $writer = $script:slaves[0]
        New-VmVolume -DiskGroup dgl -Name logged -Size 48MB -Mirror 2 | Out-Null
        $fio = Start-Writer logged $writer
        try {
            Wait-Until { (Get-Item (Join-Path $script:temp 'fio-logged.out')).Length -ge 0 -and -not $fio.HasExited } -Because 'fio to start'
            Start-Sleep -Seconds 2   # writes in flight when the node dies
            $fio.HasExited | Should -BeFalse -Because (Get-Content (Join-Path $script:temp 'fio-logged.out.err') -Raw)
            Stop-NodeHard $writer | Should -BeTrue -Because 'the node''s endpoint process is found and killed too'
            Wait-Until { $fio.HasExited } -Because 'fio to lose its server'
        }
        finally { if (-not $fio.HasExited) { Stop-Process -Id $fio.Id -Force } }

        # Asked of the master's agent directly: the cluster connection's session to the killed endpoint takes a minute to break.
        $master = (Get-VmCluster).Master
        function Get-MasterRecovery { @((Get-KernelReport $script:cluster $master).resyncs) | Where-Object { $_.forNode -eq $writer -and $_.volume -eq 'logged' } | Select-Object -First 1 }
        Wait-Until { "$((Get-MasterRecovery).state)" -in 'Completed', '2' } -Timeout ([TimeSpan]::FromSeconds(60)) -Because 'the master to recover the dead node''s regions'
        $task = Get-MasterRecovery
        $task.regionsCopied | Should -BeGreaterThan 0
        $task.regionsCopied | Should -Be $task.regionsTotal
        $task.regionsTotal | Should -BeLessOrEqual 16 -Because 'fio wrote 8 MiB (16 regions of 512 KiB) and the log marks no more'
        $task.doneBytes | Should -BeLessOrEqual 8MB
        $plexes = (Get-VmVolume -DiskGroup dgl -Name logged -Node n1).Plexes.Name
        Get-PlexHash $script:cluster dgl logged $plexes[0] 48MB | Should -Be (Get-PlexHash $script:cluster dgl logged $plexes[1] 48MB)
    }

}
