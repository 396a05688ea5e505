# Sequential 1 MiB writes (each durable) and reads through a node's kernel, for a 1-plex and a 2-way mirrored volume,
# against the same on a raw file; both through the agent's control socket (the kernel's own cost) and through the
# node's PowerShell endpoint (Write-VmVolume / Read-VmVolume). Then the freeze windows of changes made while a writer
# loop keeps I/O going, against the changes' own latency.
param([int] $MiB = 32, [int] $Changes = 20)

function Invoke-Agent([string] $State, [hashtable] $Request) {
    $answer = Invoke-BenchAgentRequest -Request ($Request | ConvertTo-Json -Compress) -StateDirectory $State | ConvertFrom-Json
    if (-not $answer.ok) { throw $answer.error }
    $answer
}

function Measure-MiBps([double] $Ms) { [Math]::Round($MiB / ($Ms / 1000), 1) }

Use-BenchCluster -NodeCount 3 -DiskCount 4 -DiskSize 256MB -Body {
    param($cluster, $path)
    $state = Join-Path $path 'nodes' 'n1' 'state'
    New-VmDiskGroup -Name bio -Disk d01, d02, d03, d04 -Shared | Out-Null
    New-VmVolume -DiskGroup bio -Name plain -Size ($MiB * 1MB) | Out-Null
    New-VmVolume -DiskGroup bio -Name mirror -Size ($MiB * 1MB) -Mirror 2 | Out-Null
    $chunk = [byte[]]::new(1MB)
    [Random]::new(1).NextBytes($chunk)
    $encoded = [Convert]::ToBase64String($chunk)

    $raw = Join-Path $path 'raw.img'
    $file = [IO.FileStream]::new($raw, 'Create', 'ReadWrite', 'ReadWrite', 1, 'None')
    $file.SetLength($MiB * 1MB)
    $rawWrite = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { $file.Position = $i * 1MB; $file.Write($chunk, 0, $chunk.Length); $file.Flush($true) } }
    $rawRead = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { $file.Position = $i * 1MB; $file.ReadExactly($chunk, 0, $chunk.Length) } }
    $file.Dispose()

    $rows = foreach ($volume in 'plain', 'mirror') {
        $socketWrite = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { Invoke-Agent $state @{ kind = 'VolumeWriteRequest'; diskGroup = 'bio'; volume = $volume; offset = $i * 1MB; data = $encoded } } }
        $socketRead = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { Invoke-Agent $state @{ kind = 'VolumeReadRequest'; diskGroup = 'bio'; volume = $volume; offset = $i * 1MB; length = 1MB } } }
        $endpointWrite = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { Write-VmVolume -DiskGroup bio -Volume $volume -Offset ($i * 1MB) -InputObject $chunk -Node n1 } }
        $endpointRead = Measure-Ms { for ($i = 0; $i -lt $MiB; $i++) { Read-VmVolume -DiskGroup bio -Volume $volume -Offset ($i * 1MB) -Length 1MB -Node n1 } }
        foreach ($run in @(
                @{ Path = 'control socket'; Write = $socketWrite; Read = $socketRead },
                @{ Path = 'endpoint (cmdlet)'; Write = $endpointWrite; Read = $endpointRead })) {
            [pscustomobject]@{
                Volume              = if ($volume -eq 'plain') { '1 plex' } else { '2-way mirror' }
                Path                = $run.Path
                'Write MiB/s'       = Measure-MiBps $run.Write
                'Raw write MiB/s'   = Measure-MiBps $rawWrite
                'Write ratio'       = [Math]::Round($run.Write / $rawWrite, 1)
                'Read MiB/s'        = Measure-MiBps $run.Read
                'Raw read MiB/s'    = Measure-MiBps $rawRead
                'Read ratio'        = [Math]::Round($run.Read / $rawRead, 1)
            }
        }
    }
    Write-BenchTable "Sequential 1 MiB I/O through node n1's kernel, $MiB MiB each (ratio = time against the raw file; writes fsynced in both):" $rows

    # Freeze windows under I/O: a writer loop on n2 while n1 grows a volume of the same disk group, change after change.
    $stop = [hashtable]::Synchronized(@{ Stop = $false })
    $n2 = Join-Path $path 'nodes' 'n2' 'state'
    $writer = Start-ThreadJob -ArgumentList $stop, $n2 -ScriptBlock {
        param($stop, $state)
        $vm = Import-Module VolumeManager -PassThru
        $data = [Convert]::ToBase64String([byte[]]::new(64KB))
        for ($i = 0; -not $stop.Stop; $i++) {
            $request = @{ kind = 'VolumeWriteRequest'; diskGroup = 'bio'; volume = 'plain'; offset = ($i % 256) * 64KB; data = $data } | ConvertTo-Json -Compress
            & $vm { param($r, $s) Invoke-VmAgentRequest -Request $r -StateDirectory $s } $request $state | Out-Null
        }
        $i
    }
    try {
        $latency = foreach ($i in 1..$Changes) { Measure-Ms { Resize-VmVolume -DiskGroup bio -Name mirror -Size (($MiB + $i) * 1MB) } }
    }
    finally {
        $stop.Stop = $true
        $writes = $writer | Wait-Job | Receive-Job
        $writer | Remove-Job
    }
    $ids = @(Get-VmTransaction -Node n1 | Select-Object -Last $Changes).Id
    $freezes = Get-FreezeMs $path 'n1', 'n2', 'n3' $ids
    $perChange = Get-Stats (Get-FreezeMs $path 'n1', 'n2', 'n3' $ids -PerChange)
    $f = Get-Stats $freezes
    $c = Get-Stats $latency
    Write-BenchTable "Freeze windows of disk group 'bio' (each closing of its gate on a node; and their sum per node and change), $Changes changes while a writer on n2 made $writes writes of 64 KiB:" ([pscustomobject]@{
            'Freezes'           = @($freezes).Count
            'Freeze ms (med)'   = [Math]::Round($f.Median, 1)
            'Freeze ms (p99)'   = [Math]::Round($f.P99, 1)
            'Closed/change ms (med)' = [Math]::Round($perChange.Median, 1)
            'Closed/change ms (p99)' = [Math]::Round($perChange.P99, 1)
            'Change ms (med)'   = [Math]::Round($c.Median, 1)
            'Freeze/change'     = [Math]::Round($f.Median / $c.Median, 2)
        })
}
