#!/usr/bin/env bash
# Integration test of `gradlab slurm`/`status`/`merge` against a real single-node Slurm cluster that
# this script starts in a temporary directory, without systemd:
#   munged (own key, socket, pid, log and seed files), slurmctld -D, slurmd -D -N localhost, a generated
#   slurm.conf (proctrack/linuxproc, task/none, select/cons_tres, accounting off, SlurmUser=root,
#   state and spool directories in the temporary directory, ports of its own).
# It submits a 4-shard sweep with `gradlab slurm --submit`, cancels one array task mid-run
# (scancel JOB_i), resubmits it with the command `gradlab status` prints, merges, and checks every
# configuration exactly once and bit-identical to a single-process `gradlab run` (runs.csv without its
# seconds and cpu_seconds columns, series.csv, sorted). Every daemon it started is stopped by pid on exit.
#
# Installs slurm-wlm and munge with apt-get when missing (Debian 12). When they cannot be installed
# (not root, no network) it says so and exits 1: never a silent pass. Usage: scripts/slurm-integration.sh
# [path/to/gradlab] (default: a debug build in .build).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
say() { printf 'slurm-integration: %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

gradlab=${1:-}
if [ -z "$gradlab" ]; then
  swift build --product gradlab >/dev/null
  gradlab="$(swift build --show-bin-path)/gradlab"
fi
gradlab=$(realpath "$gradlab")
[ -x "$gradlab" ] || fail "no gradlab executable at $gradlab"

# --- packages -------------------------------------------------------------------------------------
missing=()
for pair in slurmctld:slurm-wlm slurmd:slurm-wlm sbatch:slurm-client munged:munge sqlite3:sqlite3; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "SKIPPED AS FAILURE: ${missing[*]} not installed and apt-get impossible here (not root, or not Debian)"; exit 1
  fi
  say "installing ${missing[*]} (apt-get)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge sqlite3 >/tmp/slurm-apt.$$ 2>&1 \
         || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge sqlite3 >/tmp/slurm-apt.$$ 2>&1; }; }; then
    tail -5 /tmp/slurm-apt.$$ || true
    say "SKIPPED AS FAILURE: slurm-wlm/munge could not be installed (no network or no package source)"; exit 1
  fi
fi
if [ "$(id -u)" != 0 ]; then
  say "SKIPPED AS FAILURE: the test cluster runs its daemons as root (SlurmUser=root); run as root"; exit 1
fi

# --- the cluster ----------------------------------------------------------------------------------
tmp=$(mktemp -d /tmp/gradlab-slurm.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  # Jobs first (their slurmstepd are slurmd's), then the daemons, each by the pid this script got.
  [ -n "${job:-}" ] && scancel "$job" ${job2:-} 2>/dev/null && sleep 1
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" != 0 ]; then
    for f in slurmctld.log slurmd.log munged.log munged.out; do [ -f "$tmp/$f" ] && { say "--- tail of $f"; tail -20 "$tmp/$f"; }; done
    for f in "$tmp"/run/slurm/logs/*; do [ -f "$f" ] && { say "--- $f"; tail -20 "$f"; }; done
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool"
chmod 755 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge/munge.key"
munged --foreground --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.socket" \
  --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge/munged.seed" 2>"$tmp/munged.out" &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge/munge.socket" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.socket" ] || fail "munged did not create its socket"

# Ports of its own (another Slurm on this machine keeps 6817/6818).
port=$((20000 + RANDOM % 20000))
host=$(hostname -s)
cpus=$(nproc)
cat >"$tmp/slurm.conf" <<EOF
ClusterName=gradlabtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -i -f "$tmp/slurm.conf" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$tmp/slurm.conf" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
ready=
for _ in $(seq 60); do
  if sinfo --noheader --format=%T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { cat "$tmp/slurmctld.out" "$tmp/slurmd.out"; fail "the node did not come up (sinfo: $(sinfo 2>&1 | tail -2))"; }
say "cluster up: slurmctld + slurmd on $host, $cpus CPUs, port $port"

# --- the sweep ------------------------------------------------------------------------------------
exp=$repo/scripts/slurm/sharded.yaml
dir=$tmp/run
start=$(date +%s)
# --cpus-per-task 1: each task runs one configuration at a time (--jobs "$SLURM_CPUS_PER_TASK").
"$gradlab" slurm "$exp" --shards 4 --out "$dir" --cpus-per-task 1 --time 00:10:00 --array-parallelism 4 --submit | tee "$tmp/submit.out"
job=$(sed -n 's/^submitted job \([0-9]*\).*/\1/p' "$tmp/submit.out")
[ -n "$job" ] || fail "no job id in gradlab slurm --submit's output"
grep -q "^#SBATCH --array=0-3%4$" "$dir/slurm/submit.sbatch" || fail "submit.sbatch lacks --array=0-3%4"

# Cancel one array task mid-run: once it has stored some but not all of its configurations (or, if
# it ran too fast for that, as soon as it runs; a task that finished anyway is made unfinished below).
victim=2
stored=0
for _ in $(seq 400); do
  state=$(squeue --noheader --array --jobs="$job" --format='%i %T' 2>/dev/null | awk -v t="${job}_$victim" '$1==t{print $2}')
  if [ "$state" = RUNNING ]; then
    stored=$(sqlite3 "$dir/shards/$victim/results.sqlite" 'SELECT COUNT(*) FROM runs' 2>/dev/null || echo 0)
    [ "${stored:-0}" -ge 1 ] && break
  fi
  [ -z "$state" ] && break
  sleep 0.02
done
scancel "${job}_$victim"
say "cancelled array task ${job}_$victim (state was ${state:-gone}, ${stored:-0} configurations stored)"

# Wait for the array to leave the queue.
for _ in $(seq 600); do
  [ -z "$(squeue --noheader --jobs="$job" 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue --noheader --jobs="$job")" ] || fail "job $job still queued after 5 minutes"
# If the cancelled task had finished before scancel reached it, make it unfinished: drop part of its store.
if sqlite3 "$dir/shards/$victim/results.sqlite" 'SELECT 1' >/dev/null 2>&1; then
  n=$(sqlite3 "$dir/shards/$victim/results.sqlite" 'SELECT COUNT(*) FROM runs')
  if [ "$n" -gt 0 ] && "$gradlab" status "$dir" | awk -v v="$victim" '$1==v && $NF=="done"' | grep -q .; then
    say "task $victim finished before scancel; deleting one of its runs to leave it unfinished"
    sqlite3 "$dir/shards/$victim/results.sqlite" \
      "DELETE FROM series WHERE run_id = (SELECT run_id FROM runs ORDER BY rowid DESC LIMIT 1); DELETE FROM runs WHERE rowid = (SELECT MAX(rowid) FROM runs);"
  fi
fi

"$gradlab" status "$dir" | tee "$tmp/status1.out"
# A partial merge reports what is missing and exits 1.
if "$gradlab" merge "$dir" >"$tmp/merge0.out" 2>&1; then fail "merge succeeded with task $victim unfinished"; fi
grep -q "still missing" "$tmp/merge0.out" || { cat "$tmp/merge0.out"; fail "merge did not report the missing configurations"; }
resubmit=$(awk '/^resubmit them with:/{getline; print; exit}' "$tmp/status1.out" | sed 's/^ *//')
[ "$resubmit" = "sbatch --array=$victim $dir/slurm/submit.sbatch" ] || fail "status printed '$resubmit', expected the resubmission of task $victim only"

# Resubmit exactly as printed (an argument array, no eval of a shell string: the path has no spaces).
read -r -a argv <<<"$resubmit"
job2=$("${argv[0]}" --parsable "${argv[@]:1}" | cut -d';' -f1)
say "resubmitted task $victim as job $job2"
for _ in $(seq 600); do
  [ -z "$(squeue --noheader --jobs="$job2" 2>/dev/null)" ] && break
  sleep 0.5
done
"$gradlab" status "$dir" | tee "$tmp/status2.out"
# The resubmitted task resumed its own store (--resume): what the cancelled one stored was not rerun.
kept=$(sed -n "s|^run directory $dir/shards/$victim: \([0-9]*\) stored.*|\1|p" "$dir/slurm/logs/${job2}_$victim.out")
[ -n "$kept" ] || fail "no 'run directory …' line in the resubmitted task's log"
if [ "${stored:-0}" -ge 1 ] && [ "$kept" -lt 1 ]; then fail "the resubmitted task started its shard from scratch"; fi
say "the resubmitted task found $kept configurations stored and ran the rest"
grep -q "every shard is finished" "$tmp/status2.out" || fail "status does not report every shard finished after the resubmission"

"$gradlab" merge "$dir" | tee "$tmp/merge1.out"
grep -q "merged .* 24 of 24 configurations present" "$tmp/merge1.out" || fail "merge did not bring all 24 configurations"
"$gradlab" merge "$dir" | grep -q "merged 0 new configurations" || fail "a second merge changed something"

# Exactly once.
dups=$(sqlite3 "$dir/results.sqlite" 'SELECT COUNT(*) - COUNT(DISTINCT run_id) FROM runs')
total=$(sqlite3 "$dir/results.sqlite" 'SELECT COUNT(*) FROM runs')
[ "$dups" = 0 ] && [ "$total" = 24 ] || fail "merged store holds $total runs with $dups duplicates"
series_dups=$(sqlite3 "$dir/results.sqlite" 'SELECT COUNT(*) FROM (SELECT run_id, metric, step, component, layer, direction FROM series GROUP BY 1,2,3,4,5,6 HAVING COUNT(*) > 1)')
[ "$series_dups" = 0 ] || fail "merged series hold $series_dups duplicated points"

# Bit-identical to one process (CSV numbers are shortest round-trip, so equal text is equal bits).
"$gradlab" run "$exp" --out "$tmp/single" --progress none >/dev/null
without_timings() {  # runs.csv without its measured seconds and cpu_seconds
  awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="seconds"||$i=="cpu_seconds") d[i]=1} {o=""; for(i=1;i<=NF;i++) if(!(i in d)) o=o (o==""?"":",") $i; print o}' "$1" | sort
}
diff <(without_timings "$dir/runs.csv") <(without_timings "$tmp/single/runs.csv") >/dev/null || fail "runs.csv differs from a single-process run"
diff <(sort "$dir/series.csv") <(sort "$tmp/single/series.csv") >/dev/null || fail "series.csv differs from a single-process run"
say "PASS: 4 shards on Slurm (task $victim cancelled and resubmitted), 24 configurations merged once, bit-identical to one process ($(( $(date +%s) - start )) s)"
