# fio through the nbd engine against a node's NBD exports (a 1-plex and a 2-way mirrored volume), against two
# baselines measured in the same run on images of the same size in the same folder: fio on the raw image file
# (io_uring: the limit of this machine) and fio through `nbdkit file` (what a user would pick instead). Then the
# freeze windows of changes made while fio writes through node n2. Every target runs each pattern once per round,
# rounds interleaved, and the table shows each one's median: on a shared machine the load moves between runs.
param([int] $MiB = 256, [int] $Seconds = 3, [int] $Rounds = 3, [int] $Changes = 50)

$patterns = @(
    @{ Name = 'seq write 1M'; Rw = 'write'; Bs = '1M'; Depth = 4; Kind = 'write' }
    @{ Name = 'seq read 1M'; Rw = 'read'; Bs = '1M'; Depth = 4; Kind = 'read' }
    @{ Name = 'rand read 4k qd32'; Rw = 'randread'; Bs = '4k'; Depth = 32; Kind = 'read' }
    @{ Name = 'rand write 4k qd32'; Rw = 'randwrite'; Bs = '4k'; Depth = 32; Kind = 'write' }
)

# One fio job; MiB/s and IOPS of its reads or writes.
function Invoke-Fio([string[]] $Target, [hashtable] $Pattern, [string] $Folder) {
    $out = Join-Path $Folder 'fio.json'
    fio --name=bench @Target "--rw=$($Pattern.Rw)" "--bs=$($Pattern.Bs)" "--iodepth=$($Pattern.Depth)" "--size=$($MiB)M" `
        --time_based "--runtime=$Seconds" --output-format=json "--output=$out" 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "fio $($Target -join ' ') $($Pattern.Name) exited with $LASTEXITCODE" }
    $result = (Get-Content $out -Raw | ConvertFrom-Json).jobs[0].($Pattern.Kind)
    [pscustomobject]@{ MiBps = [Math]::Round($result.bw / 1024, 1); Iops = [Math]::Round($result.iops) }
}

# $Count times: 4 KiB written over zeroed room and fdatasync'ed in $File (what an agent's journal record costs), in ms.
function Measure-Fsync([string] $File, [int] $Count) {
    if (-not ('BenchSync' -as [type])) {
        Add-Type -Name BenchSync -Namespace '' -MemberDefinition '[System.Runtime.InteropServices.DllImport("libc", SetLastError = true)] public static extern int fdatasync(int fd);'
    }
    $block = [byte[]]::new(4096)
    $stream = [IO.File]::Open($File, 'Create', 'ReadWrite')
    try {
        $stream.Write([byte[]]::new(4096 * $Count), 0, 4096 * $Count)
        $stream.Flush($true)
        $fd = [int]$stream.SafeFileHandle.DangerousGetHandle()
        foreach ($i in 0..($Count - 1)) {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $stream.Position = $i * 4096
            $stream.Write($block, 0, $block.Length)
            $stream.Flush()
            [void][BenchSync]::fdatasync($fd)
            $clock.Elapsed.TotalMilliseconds
            Start-Sleep -Milliseconds 20
        }
    }
    finally { $stream.Dispose() }
}

function Get-Ratio([double] $Value, [double] $Baseline) { if ($Baseline -gt 0) { [Math]::Round($Value / $Baseline, 2) } else { 0 } }

if (@('fio', 'nbdkit') | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) }) {
    Write-Warning 'NBD benchmark skipped: fio and nbdkit are needed (apt-get install fio nbdkit).'
    return
}

Use-BenchCluster -NodeCount 3 -DiskCount 4 -DiskSize (($MiB + 8) * 1MB) -Body {
    param($cluster, $path)
    New-VmDiskGroup -Name bnbd -Disk d01, d02, d03, d04 -Shared | Out-Null
    New-VmVolume -DiskGroup bnbd -Name plain -Size ($MiB * 1MB) | Out-Null
    New-VmVolume -DiskGroup bnbd -Name mirror -Size ($MiB * 1MB) -Mirror 2 | Out-Null
    New-VmVolume -DiskGroup bnbd -Name grown -Size 1MB | Out-Null

    $raw = Join-Path $path 'raw.img'
    $kitImage = Join-Path $path 'nbdkit.img'
    fallocate -l "$($MiB)M" $raw; fallocate -l "$($MiB)M" $kitImage   # allocated whole, as the volumes' disk images are
    $kitSocket = Join-Path $path 'nbdkit.sock'
    $kitPid = Join-Path $path 'nbdkit.pid'
    nbdkit --unix $kitSocket -P $kitPid file $kitImage
    try {
        $targets = [ordered]@{
            'raw file' = @('--ioengine=io_uring', "--filename=$raw")
            'nbdkit file' = @('--ioengine=nbd', "--uri=nbd+unix:///?socket=$kitSocket")
            '1 plex' = @('--ioengine=nbd', "--uri=$((Get-VmVolume -DiskGroup bnbd -Name plain -Node n1).NbdUri)")
            '2-way mirror' = @('--ioengine=nbd', "--uri=$((Get-VmVolume -DiskGroup bnbd -Name mirror -Node n1).NbdUri)")
        }
        $runs = @{}
        foreach ($round in 1..$Rounds) {
            foreach ($pattern in $patterns) {
                foreach ($target in $targets.Keys) { $runs["$target|$($pattern.Name)"] += @(Invoke-Fio $targets[$target] $pattern $path) }
            }
        }
        $results = @{}
        foreach ($key in $runs.Keys) {
            $results[$key] = [pscustomobject]@{ MiBps = (Get-Stats $runs[$key].MiBps).Median; Iops = (Get-Stats $runs[$key].Iops).Median }
        }
    }
    finally { if (Test-Path $kitPid) { Stop-Process -Id ([int](Get-Content $kitPid)) -Force -ErrorAction Ignore } }

    $rows = foreach ($pattern in $patterns) {
        $r = { param($t) $results["$t|$($pattern.Name)"] }
        $use = if ($pattern.Bs -eq '1M') { 'MiBps' } else { 'Iops' }
        [pscustomobject]@{
            Pattern            = $pattern.Name
            Unit               = if ($use -eq 'MiBps') { 'MiB/s' } else { 'IOPS' }
            'raw file'         = (& $r 'raw file').$use
            'nbdkit'           = (& $r 'nbdkit file').$use
            '1 plex'           = (& $r '1 plex').$use
            'mirror'           = (& $r '2-way mirror').$use
            '1 plex/nbdkit'    = Get-Ratio (& $r '1 plex').$use (& $r 'nbdkit file').$use
            'mirror/nbdkit'    = Get-Ratio (& $r '2-way mirror').$use (& $r 'nbdkit file').$use
            'nbdkit/raw'       = Get-Ratio (& $r 'nbdkit file').$use (& $r 'raw file').$use
        }
    }
    Write-BenchTable "fio through NBD on node n1, $MiB MiB volumes, median of $Rounds runs of $Seconds s (goals: 1 plex >= 1.0x nbdkit, mirror writes >= 0.5x nbdkit; the raw file is the limit):" $rows

    # Freeze windows while fio writes 4 KiB at random through n2, change after change made from n1.
    $fioOut = Join-Path $path 'freeze-fio.json'
    $fio = Start-Process fio -PassThru -RedirectStandardError (Join-Path $path 'freeze-fio.err') -ArgumentList @(
        '--name=freeze', '--ioengine=nbd', "--uri=$((Get-VmVolume -DiskGroup bnbd -Name mirror -Node n2).NbdUri)", '--rw=randwrite',
        '--bs=4k', '--iodepth=32', "--size=$($MiB)M", '--time_based', '--runtime=600', '--output-format=json', "--output=$fioOut")
    try {
        Start-Sleep -Seconds 1   # fio connected and writing before the first change
        $latency = foreach ($i in 1..$Changes) { Measure-Ms { Resize-VmVolume -DiskGroup bnbd -Name grown -Size (($i + 1) * 1MB) } }
        $fsyncs = Measure-Fsync (Join-Path $path 'fsync-probe') 60
    }
    finally {
        kill -TERM $fio.Id   # fio ends its job on SIGTERM
        if (-not $fio.WaitForExit(30000)) { kill -KILL $fio.Id }
    }
    $ids = @(Get-VmTransaction -Node n1 | Select-Object -Last $Changes).Id
    $freezes = Get-FreezeMs $path 'n1', 'n2', 'n3' $ids
    $perChange = Get-Stats (Get-FreezeMs $path 'n1', 'n2', 'n3' $ids -PerChange)
    $ioErrors = @((Get-BenchKernel $path 'n2').ioErrors).Count
    $f = Get-Stats $freezes
    $c = Get-Stats $latency
    $y = Get-Stats $fsyncs
    Write-BenchTable "Freeze windows of disk group 'bnbd' (each closing of its gate on a node; and their sum per node and change), $Changes changes while fio wrote 4 KiB at random (iodepth 32) through n2 (goal: p99 <= 20 ms):" ([pscustomobject]@{
            'Freezes'         = @($freezes).Count
            'Freeze ms (med)' = [Math]::Round($f.Median, 1)
            'Freeze ms (p99)' = [Math]::Round($f.P99, 1)
            'Closed/change ms (med)' = [Math]::Round($perChange.Median, 1)
            'Closed/change ms (p99)' = [Math]::Round($perChange.P99, 1)
            'Change ms (med)' = [Math]::Round($c.Median, 1)
            'I/O errors'      = $ioErrors
            'fsync ms (med)'  = [Math]::Round($y.Median, 1)
            'fsync ms (p99)'  = [Math]::Round($y.P99, 1)
        })
    Write-Host "A grow is served side by side: each member's gates close for the prepare's drain and again for the switch, with no fsync inside either (the prepare is durable before the first, the decision before the second); the fsync columns are one 4 KiB write over zeroed room + fdatasync (as the journal writes a record) in the state folder's filesystem under the same fio load, what a freeze holding one sync would cost."
}
