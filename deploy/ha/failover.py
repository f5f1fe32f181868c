#!/usr/bin/env python3
"""Automatic failover of rocketlite on PostgreSQL, on one machine, with Debian's packages.

Starts a 3-member etcd cluster and two Patroni-managed PostgreSQL nodes (synchronous mode) on
loopback, then two rocketlite nodes on the multi-host URL. Clients write through both nodes
(users, rooms, deactivations with handovers) while the Patroni leader's machine is "lost": its
Patroni and PostgreSQL are killed with SIGKILL, and Patroni promotes the synchronous replica by
itself. The lost node is started again and rejoins as a replica; that is one round. At the end
every write that got a 200 is read back through rocketlite, and the script reports the writes
acknowledged and lost and the time from each kill to the first acknowledged write.
Everything is torn down at exit.

    deploy/ha/failover.py [--rounds 2] [--rocketlite target/release/rocketlite]

Needs: `apt-get install patroni etcd-server postgresql` and a built rocketlite
(`cargo build --release`). Run as root or as a user who may run PostgreSQL; as root,
PostgreSQL and Patroni run as the `postgres` user.
"""

import argparse
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ETCD = [("e1", 23791, 23801), ("e2", 23792, 23802), ("e3", 23793, 23803)]
PG = [("pg1", 54431, 8431), ("pg2", 54432, 8432)]
NODES = [31001, 31002]
ADMIN_PASS = "ha-admin-password"
AS_ROOT = os.geteuid() == 0


def pg_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        sys.exit("PostgreSQL's binaries are not installed (apt-get install postgresql)")
    return os.path.dirname(found[-1])


def as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if AS_ROOT else cmd


def http(method, url, body=None, headers=None, timeout=10):
    """(status, parsed JSON or None); status 0 when nothing answered."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, None


def wait_for(what, check, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


class Cluster:
    def __init__(self, rocketlite):
        self.dir = tempfile.mkdtemp(prefix="rocketlite-ha-")
        os.chmod(self.dir, 0o755)
        self.rocketlite = rocketlite
        self.procs = {}
        self.bin = pg_bin()

    def spawn(self, name, cmd, **kw):
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(
            cmd, stdout=log, stderr=log, start_new_session=True, **kw
        )

    def start_etcd(self):
        cluster = ",".join(f"{n}=http://127.0.0.1:{peer}" for n, _, peer in ETCD)
        for name, client, peer in ETCD:
            self.spawn(name, [
                "etcd", "--name", name, "--data-dir", os.path.join(self.dir, name),
                "--listen-client-urls", f"http://127.0.0.1:{client}",
                "--advertise-client-urls", f"http://127.0.0.1:{client}",
                "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                "--initial-cluster", cluster, "--initial-cluster-token", "rocketlite-ha",
                "--initial-cluster-state", "new",
            ])
        wait_for("etcd", lambda: http("GET", f"http://127.0.0.1:{ETCD[0][1]}/health")[0] == 200)

    def patroni_config(self, name, pg_port, rest_port):
        hosts = ",".join(f"127.0.0.1:{c}" for _, c, _ in ETCD)
        data = os.path.join(self.dir, name)
        return f"""scope: rocketlite
name: {name}
restapi:
  listen: 127.0.0.1:{rest_port}
  connect_address: 127.0.0.1:{rest_port}
etcd3:
  hosts: {hosts}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      remove_data_directory_on_rewind_failure: true
      remove_data_directory_on_diverged_timelines: true
      parameters:
        synchronous_commit: "on"
        wal_level: replica
        wal_log_hints: "on"
        hot_standby: "on"
        max_wal_senders: 8
        max_replication_slots: 8
        max_connections: 200
  initdb:
    - encoding: UTF8
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:{pg_port}
  connect_address: 127.0.0.1:{pg_port}
  data_dir: {data}
  bin_dir: {self.bin}
  pgpass: {self.dir}/{name}.pgpass
  authentication:
    superuser: {{username: postgres, password: postgres}}
    replication: {{username: replicator, password: replicator}}
    rewind: {{username: postgres, password: postgres}}
  parameters:
    unix_socket_directories: {self.dir}
"""

    def start_patroni(self, name):
        _, pg_port, rest_port = next(p for p in PG if p[0] == name)
        path = os.path.join(self.dir, f"{name}.yml")
        with open(path, "w") as f:
            f.write(self.patroni_config(name, pg_port, rest_port))
        if AS_ROOT:
            shutil.chown(self.dir, "postgres")
            shutil.chown(path, "postgres")
        self.spawn(name, as_postgres(["patroni", path]))

    def role(self, name):
        """'primary', 'replica' or None, from Patroni's REST API."""
        rest = next(p for p in PG if p[0] == name)[2]
        status, body = http("GET", f"http://127.0.0.1:{rest}/patroni", timeout=2)
        if status != 200 or not body or body.get("state") != "running":
            return None
        return "primary" if body.get("role") in ("master", "primary") else "replica"

    def leader(self):
        return next((name for name, _, _ in PG if self.role(name) == "primary"), None)

    def streaming_replica(self):
        """The synchronous replica's name once the leader reports one."""
        leader = self.leader()
        if not leader:
            return None
        rest = next(p for p in PG if p[0] == leader)[2]
        status, body = http("GET", f"http://127.0.0.1:{rest}/patroni", timeout=2)
        for rep in (body or {}).get("replication", []):
            if rep.get("sync_state") in ("sync", "quorum") and rep.get("state") == "streaming":
                return rep.get("application_name")
        return None

    def kill_node(self, name):
        """The machine is lost: Patroni and PostgreSQL (postmaster and backends) die at once."""
        proc = self.procs.pop(name)
        with open(os.path.join(self.dir, name, "postmaster.pid")) as f:
            postmaster = int(f.readline())
        # Patroni first, or it would start PostgreSQL again.
        subprocess.run(["pkill", "-KILL", "-f", f"patroni {self.dir}/{name}.yml"])
        os.killpg(proc.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-KILL", "-P", str(postmaster)])
        os.kill(postmaster, signal.SIGKILL)
        proc.wait()
        port = next(p for n, p, _ in PG if n == name)
        wait_for(f"{name} to stop", lambda: subprocess.run(
            [os.path.join(self.bin, "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
            capture_output=True).returncode != 0)

    def start_rocketlite(self):
        hosts = ",".join(f"127.0.0.1:{port}" for _, port, _ in PG)
        url = f"postgres://postgres@{hosts}/rocketlite?target_session_attrs=read-write"
        for port in NODES:
            env = dict(os.environ, ADMIN_PASS=ADMIN_PASS, RUST_LOG="warn")
            self.spawn(f"rocketlite-{port}", [
                self.rocketlite, "--listen", f"127.0.0.1:{port}", "--database", url,
                "--data-dir", os.path.join(self.dir, f"node-{port}"),
            ], env=env)
        for port in NODES:
            wait_for(f"rocketlite on {port}",
                     lambda: http("GET", f"http://127.0.0.1:{port}/api/info", timeout=2)[0] == 200)

    def show_logs(self, lines=15):
        """The end of every log, for a run that failed."""
        for path in sorted(glob.glob(os.path.join(self.dir, "*.log"))):
            with open(path, errors="replace") as f:
                tail = f.readlines()[-lines:]
            print(f"--- {os.path.basename(path)}", *tail, sep="", file=sys.stderr)

    def teardown(self):
        for name, proc in list(self.procs.items()):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["pkill", "-KILL", "-f", self.dir])
        time.sleep(0.5)
        shutil.rmtree(self.dir, ignore_errors=True)


class Writers:
    """Clients writing through both nodes; they record what got a 200."""

    CLEAR = (
        "The database is unavailable: nothing was written, try again",
        "The database connection was lost while committing: the change may have been "
        "written; read it back before trying again",
    )

    def __init__(self, admins):
        self.admins = admins  # per node: (user id, token)
        self.lock = threading.Lock()
        self.users, self.handovers, self.acks, self.failures, self.unclear = [], [], [], 0, []
        self.stop = threading.Event()

    def call(self, node, path, body, auth):
        headers = {"X-User-Id": auth[0], "X-Auth-Token": auth[1]} if auth else {}
        status, resp = http("POST", f"http://127.0.0.1:{node}/api/v1/{path}", body, headers, 30)
        with self.lock:
            if status == 200:
                self.acks.append(time.time())
                return resp
            error = (resp or {}).get("error")
            if status == 500 and error in self.CLEAR:
                self.failures += 1
            else:
                self.unclear.append((path, status, resp))
        time.sleep(0.02)
        return None

    def client(self, n):
        i = 0
        while not self.stop.is_set():
            node = NODES[(n + i) % len(NODES)]
            admin = self.admins[node]
            i += 1
            owner, member = f"o{n}x{i}", f"m{n}x{i}"
            ids = []
            for name in (owner, member):
                resp = self.call(node, "users.create", {
                    "username": name, "email": f"{name}@example.org", "name": name,
                    "password": "pw"}, admin)
                if not resp:
                    break
                ids.append(resp["user"]["_id"])
                with self.lock:
                    self.users.append(resp["user"]["_id"])
            if len(ids) < 2:
                continue
            login = self.call(node, "login", {"user": owner, "password": "pw"}, None)
            if not login:
                continue
            auth = (login["data"]["userId"], login["data"]["authToken"])
            room = self.call(node, "channels.create",
                             {"name": f"h{n}x{i}", "members": [member]}, auth)
            if not room:
                continue
            done = self.call(node, "users.setActiveStatus", {
                "userId": ids[0], "activeStatus": False, "confirmRelinquish": True}, admin)
            if done:
                with self.lock:
                    self.handovers.append((ids[0], ids[1], room["channel"]["_id"]))

    def verify(self, node):
        """Reads every acknowledged write back through rocketlite; returns how many are lost."""
        admin, lost = self.admins[node], 0
        headers = {"X-User-Id": admin[0], "X-Auth-Token": admin[1]}
        base = f"http://127.0.0.1:{node}/api/v1"
        for user in self.users:
            if http("GET", f"{base}/users.info?userId={user}", None, headers)[0] != 200:
                lost += 1
        for owner, member, room in self.handovers:
            _, info = http("GET", f"{base}/users.info?userId={owner}", None, headers)
            _, roles = http("GET", f"{base}/channels.roles?roomId={room}", None, headers)
            owners = [r["u"]["_id"] for r in (roles or {}).get("roles", []) if "owner" in r["roles"]]
            if not info or info["user"]["active"] or member not in owners:
                lost += 1
        return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--rocketlite", default="target/release/rocketlite")
    args = parser.parse_args()
    for tool in ("etcd", "patroni"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed (apt-get install patroni etcd-server)")
    if not os.access(args.rocketlite, os.X_OK):
        sys.exit(f"{args.rocketlite} is not built (cargo build --release)")
    cluster = Cluster(os.path.abspath(args.rocketlite))
    try:
        cluster.start_etcd()
        cluster.start_patroni("pg1")
        wait_for("the first leader", cluster.leader)
        cluster.start_patroni("pg2")
        wait_for("a synchronous replica", cluster.streaming_replica, 120)
        leader_port = next(p for n, p, _ in PG if n == cluster.leader())
        subprocess.run(as_postgres([os.path.join(cluster.bin, "createdb"), "-h", "127.0.0.1",
                                    "-p", str(leader_port), "-U", "postgres", "rocketlite"]),
                       check=True)
        cluster.start_rocketlite()
        admins = {}
        for node in NODES:
            _, resp = http("POST", f"http://127.0.0.1:{node}/api/v1/login",
                           {"user": "admin", "password": ADMIN_PASS})
            admins[node] = (resp["data"]["userId"], resp["data"]["authToken"])
        writers = Writers(admins)
        threads = [threading.Thread(target=writers.client, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        recoveries = []
        for round_no in range(args.rounds):
            time.sleep(3)
            lost = cluster.leader()
            cluster.kill_node(lost)
            killed = time.time()  # PostgreSQL refuses connections from here
            print(f"round {round_no + 1}: killed {lost} (Patroni and PostgreSQL)", flush=True)
            first = wait_for("a write after the kill",
                             lambda: next((a for a in list(writers.acks) if a > killed), None), 120)
            recoveries.append(first - killed)
            print(f"  first acknowledged write {recoveries[-1]:.1f} s after the kill; "
                  f"new leader {cluster.leader()}", flush=True)
            cluster.start_patroni(lost)
            wait_for(f"{lost} back as synchronous replica",
                     lambda: cluster.streaming_replica() == lost, 180)
        time.sleep(3)
        writers.stop.set()
        for t in threads:
            t.join()
        lost_writes = writers.verify(NODES[0])
        recoveries.sort()
        print(json.dumps({
            "rounds": args.rounds,
            "kill_to_first_write_s": {"p50": round(recoveries[len(recoveries) // 2], 2),
                                      "max": round(recoveries[-1], 2)},
            "acknowledged_writes": len(writers.acks),
            "users": len(writers.users),
            "handovers": len(writers.handovers),
            "clear_errors": writers.failures,
            "unclear_errors": len(writers.unclear),
            "lost_writes": lost_writes,
        }, indent=2))
        if writers.unclear:
            print("unclear answers:", writers.unclear[:5])
        return 0 if lost_writes == 0 and not writers.unclear else 1
    except BaseException:
        cluster.show_logs()
        raise
    finally:
        cluster.teardown()


if __name__ == "__main__":
    sys.exit(main())
