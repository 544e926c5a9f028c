# wrk runs with the CPU split, shared by edge-host/bench/run and edge-host/bench/stack (sourced).
#
# Before sourcing: `work` (a directory for wrk output) and `connections`, `duration`.
# Register what to account for with cpu_watch_pid LABEL PID (the process and its children: nginx
# workers, Postgres backends) or cpu_watch_cgroup LABEL DIR (a container's cgroup), then
# `measure NAME URL [LABEL...]`: a 3 s warm-up, the measured run, and one result row in
# $work/results.tsv (name, req/s, p50, p99, errors, CPU split). The split lists the LABELs given
# (all registered ones when none is given) as % of one core over the run, the rest of the machine
# as `rest` (wrk itself, the kernel's network work), and context switches per request.

results=$work/results.tsv
: >"$results"
clock_ticks=$(getconf CLK_TCK)
declare -A cpu_source=()

cpu_watch_pid() { cpu_source[$1]=pid:$2; }
cpu_watch_cgroup() { cpu_source[$1]=cgroup:$2; }

# CPU time in microseconds of a registered source.
cpu_usec() {
    local source=${cpu_source[$1]} pid ticks=0
    case $source in
    pid:*)
        for pid in ${source#pid:} $(pgrep -P "${source#pid:}"); do
            # Fields after the command name: utime and stime are the 12th and 13th.
            ticks=$((ticks + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
        done
        echo $((ticks * 1000000 / clock_ticks))
        ;;
    cgroup:*)
        if [[ -r ${source#cgroup:}/cpu.stat ]]; then
            awk '$1 == "usage_usec" {print $2}' "${source#cgroup:}/cpu.stat"
        else # cgroup v1
            echo $(($(cat "${source#cgroup:}/cpuacct.usage") / 1000))
        fi
        ;;
    esac
}

# The whole machine's busy time in microseconds, and its context switches.
machine_usec() {
    local _ user nice system idle iowait irq softirq steal
    read -r _ user nice system idle iowait irq softirq steal _ </proc/stat
    echo $(((user + nice + system + irq + softirq + steal) * 1000000 / clock_ticks))
}
machine_ctxt() { awk '$1 == "ctxt" {print $2}' /proc/stat; }

measure() {
    local name=$1 url=$2 out=$work/wrk-$1.txt
    shift 2
    local labels=("$@") label
    ((${#labels[@]})) || labels=("${!cpu_source[@]}")
    wrk -t2 -c"$connections" -d3s "$url" >/dev/null
    declare -A before=()
    for label in "${labels[@]}"; do before[$label]=$(cpu_usec "$label"); done
    local machine_before ctxt_before start end
    machine_before=$(machine_usec)
    ctxt_before=$(machine_ctxt)
    start=$(date +%s%N)
    wrk -t2 -c"$connections" -d"$duration" --latency "$url" >"$out"
    end=$(date +%s%N)
    local wall_usec=$(((end - start) / 1000)) split="" known=0 used
    for label in "${labels[@]}"; do
        used=$(($(cpu_usec "$label") - ${before[$label]}))
        known=$((known + used))
        split+="$label $((used * 100 / wall_usec))% "
    done
    split+="rest $((($(machine_usec) - machine_before - known) * 100 / wall_usec))%"
    local rps p50 p99 errors requests switches
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p50=$(awk '$1 == "50%" {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {for (i = 4; i <= NF; i += 2) n += $i} END {print n + 0}' "$out")
    requests=$(awk '/requests in/ {print $1}' "$out")
    switches=$(awk -v c="$(($(machine_ctxt) - ctxt_before))" -v n="$requests" 'BEGIN {printf "%.1f", n ? c / n : 0}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" "$errors" "$split" "$switches" >>"$results"
    printf '  %-30s %10s req/s  p50 %-8s p99 %-8s errors %-3s cpu: %s; %s ctx switches/req\n' \
        "$name" "$rps" "$p50" "$p99" "$errors" "$split" "$switches"
}

# wrk prints latencies as 1.23ms / 456.78us / 1.02s; convert to milliseconds.
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; print n }'; }
# Column $2 of result row $1.
field() { awk -F'\t' -v n="$1" -v c="$2" '$1 == n {print $c}' "$results"; }
# "a / b = 0.42: target >= T: MET|MISSED" for the req/s of two rows.
ratio_line() {
    local what=$1 a=$2 b=$3 target=$4
    local x y
    x=$(field "$a" 2)
    y=$(field "$b" 2)
    if [[ -z $x || -z $y ]]; then
        echo "$what: not measured"
        return
    fi
    printf '%s = %s: target >= %s: %s\n' "$what" \
        "$(awk -v a="$x" -v b="$y" 'BEGIN {printf "%.3f", a / b}')" "$target" \
        "$(awk -v a="$x" -v b="$y" -v t="$target" 'BEGIN {print (a >= t * b) ? "MET" : "MISSED"}')"
}
