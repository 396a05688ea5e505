# Get-VmVolume and one change (New-VmVolume + Remove-VmVolume of a small volume) with 10 volumes in the cluster, then
# with 10,000 (the rest created by New-VmVolume calls of -Batch volumes each, one transaction per call: by default one
# volume per transaction, and the rate of that creation is reported), as ratios; and volumes created one per
# transaction, as a rate, at both sizes (-OnePerTransaction of them each time).
param([int] $Volumes = 10000, [int] $Iterations = 5, [int] $OnePerTransaction = 50, [int] $Batch = 1)

# Setup only: a batch whose change fails because a node was counted Down (an agent starved of CPU misses heartbeats
# for the 2.5 s that takes) is sent again for the volumes it did not create; the retries are counted in the title.
$script:retries = 0
function New-Batch([string[]] $Names) {
    for ($try = 1; ; $try++) {
        try { New-VmVolume -DiskGroup big -Name $Names -Size 1MB -ErrorAction Stop | Out-Null; return }
        catch {
            if ($try -ge 5) { throw }
            $script:retries++
            Write-Host "retrying a batch of $($Names.Count): $_"
            Start-Sleep -Seconds 3
            $have = [Collections.Generic.HashSet[string]]::new([string[]]@((Get-VmVolume -DiskGroup big).Name))
            $Names = @($Names | Where-Object { -not $have.Contains($_) })
            if ($Names.Count -eq 0) { return }
        }
    }
}

function Measure-At([int] $Count) {
    $list = foreach ($i in 1..$Iterations) { Measure-Ms { Get-VmVolume -DiskGroup big } }
    $change = foreach ($i in 1..$Iterations) { Measure-Ms { New-VmVolume -DiskGroup big -Name probe -Size 1MB; Remove-VmVolume -DiskGroup big -Name probe -Confirm:$false } }
    $names = 1..$OnePerTransaction | ForEach-Object { 'one{0:D5}-{1}' -f $_, $Count }
    $one = Measure-Ms { foreach ($name in $names) { New-VmVolume -DiskGroup big -Name $name -Size 1MB } }
    foreach ($name in $names) { Remove-VmVolume -DiskGroup big -Name $name -Confirm:$false }
    [pscustomobject]@{ Volumes = $Count; List = (Get-Stats $list).Median; Change = (Get-Stats $change).Median; Rate = $OnePerTransaction / ($one / 1000) }
}

Use-BenchCluster -NodeCount 3 -DiskCount 4 -DiskSize 4GB -Body {
    param($cluster, $path)
    New-VmDiskGroup -Name big -Disk d01, d02, d03, d04 -Shared | Out-Null
    New-VmVolume -DiskGroup big -Name (1..10 | ForEach-Object { 'v{0:D5}' -f $_ }) -Size 1MB | Out-Null
    $small = Measure-At 10
    $create = Measure-Ms {
        for ($first = 11; $first -le $Volumes; $first += $Batch) {
            New-Batch ($first..([Math]::Min($first + $Batch - 1, $Volumes)) | ForEach-Object { 'v{0:D5}' -f $_ })
        }
    }
    $large = Measure-At $Volumes
    Write-BenchTable "Get-VmVolume, one change (New-VmVolume + Remove-VmVolume, two transactions) and $OnePerTransaction volumes created one per transaction, at 10 and $Volumes volumes; creating $($Volumes - 10) volumes, $Batch per transaction, took $([Math]::Round($create / 1000, 1)) s, $([Math]::Round(($Volumes - 10) / ($create / 1000), 1)) volumes/s ($retries batch(es) sent again):" @(
        [pscustomobject]@{ Measure = 'Get-VmVolume ms'; 'At 10' = [Math]::Round($small.List, 1); "At $Volumes" = [Math]::Round($large.List, 1); Ratio = [Math]::Round($large.List / $small.List, 2) }
        [pscustomobject]@{ Measure = 'Change ms'; 'At 10' = [Math]::Round($small.Change, 1); "At $Volumes" = [Math]::Round($large.Change, 1); Ratio = [Math]::Round($large.Change / $small.Change, 2) }
        [pscustomobject]@{ Measure = 'Volumes/s, one per transaction'; 'At 10' = [Math]::Round($small.Rate, 2); "At $Volumes" = [Math]::Round($large.Rate, 2); Ratio = [Math]::Round($large.Rate / $small.Rate, 2) }
    )
}
