#!/usr/bin/python3
"""Offline structural checks of what deploys docpipe (no Docker engine, no
cluster): docker-compose.yml, deploy/Dockerfile and the rendered
Kubernetes manifests. Each check prints "ok   ..." or "FAIL ...".

  check_deploy.py compose DOCPIPE docker-compose.yml
  check_deploy.py dockerfile DOCPIPE deploy/Dockerfile Makefile
  check_deploy.py k8s DOCPIPE PARTITIONS OVERLAY RENDERED.yaml

DOCPIPE is the built binary: the settings the files must agree with (topic
names, the drain deadline, the metrics port, the consumer group) are asked
of it (`docpipe config`), not written here a second time. Needs Debian's
python3-yaml; the Dockerfile check also dpkg and objdump.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml

failures = 0


def ok(msg):
    print("ok   " + msg)


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def check(cond, msg, why=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (": " + why if why else ""))
    return cond


def settings(docpipe, path=None, env=None):
    """The effective settings of `docpipe config check` (flat key: value),
    or None with the errors printed."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("DOCPIPE_")}
    e.update(env or {})
    if path is None:
        cmd = [docpipe, "config"]
    else:
        cmd = [docpipe, "config", "check", path]
    r = subprocess.run(cmd, capture_output=True, text=True, env=e)
    if r.returncode != 0:
        print(r.stderr.strip())
        return None
    out = {}
    for line in r.stdout.splitlines():
        if ": " in line and not line.startswith(" "):
            k, v = line.split(": ", 1)
            out[k] = v.strip('"')
    return out


def listen_port(addr):
    return int(addr.rsplit(":", 1)[1]) if addr else None


# ---- docker-compose.yml --------------------------------------------------

def env_of(svc):
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def grace_seconds(text):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", str(text))
    if not m or not any(m.groups()):
        return None
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def compose(docpipe, path):
    with open(path) as f:
        doc = yaml.safe_load(f)
    defaults = settings(docpipe)
    services = doc.get("services") or {}
    check(set(doc) <= {"services", "volumes", "networks", "configs",
                       "secrets", "version"} | {k for k in doc if k.startswith("x-")},
          "compose: only known top-level keys", str(sorted(doc)))
    for name in ("kafka", "topics", "postgres", "worker"):
        check(name in services, "compose: service %s" % name)
    kafka = services.get("kafka", {})
    kenv = env_of(kafka)
    check(re.match(r"^(apache|bitnami)/kafka:[0-9]", kafka.get("image", "")) is not None,
          "compose: kafka is a real Kafka image with a version tag", kafka.get("image", ""))
    roles = kenv.get("KAFKA_PROCESS_ROLES", kenv.get("KAFKA_CFG_PROCESS_ROLES", ""))
    check(set(roles.split(",")) == {"broker", "controller"} and
          not any("zookeeper" in n for n in services),
          "compose: Kafka in KRaft mode (broker and controller, no ZooKeeper)", roles)
    check("healthcheck" in kafka, "compose: kafka has a healthcheck")

    # The topics the worker uses, by its own defaults.
    want = [defaults["topics.jobs"], defaults["topics.dlq"]] + [
        t.split(":")[0] for t in defaults["topics.retry"].strip("[]").split(", ") if t]
    topics = services.get("topics", {})
    script = " ".join(topics.get("command") if isinstance(topics.get("command"), list)
                      else [str(topics.get("command", ""))])
    m = re.search(r"for t in ([^;]*);", script)
    made = m.group(1).split() if m else []
    check(sorted(made) == sorted(want),
          "compose: topics service creates %s" % " ".join(want), " ".join(made))
    m = re.search(r"--partitions (\d+)", script)
    parts = int(m.group(1)) if m else 0
    check(parts >= 12, "compose: topics have %d partitions (>= 12)" % parts)
    check(str(topics.get("restart", "")) == "no" and
          topics.get("depends_on", {}).get("kafka", {}).get("condition") == "service_healthy",
          "compose: topics is a one-shot after Kafka is healthy")

    w = services.get("worker", {})
    wenv = env_of(w)
    check("container_name" not in w, "compose: worker has no container_name (it scales)")
    check(not w.get("ports"), "compose: worker publishes no host port (it scales)")
    port = listen_port(defaults["worker.metrics_addr"])
    check([str(p) for p in w.get("expose", [])] == [str(port)],
          "compose: worker exposes the metrics port %d" % port)
    deps = w.get("depends_on", {})
    check(deps.get("topics", {}).get("condition") == "service_completed_successfully" and
          deps.get("kafka", {}).get("condition") == "service_healthy" and
          deps.get("postgres", {}).get("condition") == "service_healthy",
          "compose: worker waits for the topics, a healthy Kafka and PostgreSQL")
    check(wenv.get("DOCPIPE_KAFKA_BOOTSTRAP_SERVERS", "").split(":")[0] == "kafka",
          "compose: worker's bootstrap servers are the kafka service")
    check("host=postgres " in wenv.get("DOCPIPE_POSTGRES_DSN", "") + " ",
          "compose: worker's DSN names the postgres service")
    drain = int(defaults["worker.drain_timeout_ms"]) / 1000
    grace = grace_seconds(w.get("stop_grace_period", "10s"))
    check(grace is not None and grace >= drain + 20,
          "compose: stop_grace_period %ss > drain %gs + 20 s of commit and leave" % (grace, drain))
    check(w.get("read_only") is True and "/tmp" in (w.get("tmpfs") or []),
          "compose: worker's root filesystem read-only, /tmp a tmpfs")
    build = w.get("build", {})
    check(build.get("dockerfile") == "deploy/Dockerfile" and
          os.path.exists(os.path.join(os.path.dirname(path), build.get("context", "."),
                                      build.get("dockerfile", ""))),
          "compose: worker built from deploy/Dockerfile")
    hc = " ".join(w.get("healthcheck", {}).get("test", []))
    check("/healthz" in hc and ("/%d" % port) in hc,
          "compose: worker's healthcheck asks /healthz on port %d" % port)

    # Bind mounts from the repository exist; the config one passes.
    for svc_name, svc in services.items():
        for v in svc.get("volumes", []) or []:
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src.startswith("./deploy/"):
                check(os.path.exists(os.path.join(os.path.dirname(path), src)),
                      "compose: %s mounts %s, which exists" % (svc_name, src))
    profiles = {n: s.get("profiles", []) for n, s in services.items()}
    check(any("ollama" in p for p in profiles.values()) and
          all(p == [] or "ollama" in p or "tools" in p for p in profiles.values()),
          "compose: the local model server is an optional profile (ollama)")
    # Images of others are pinned.
    for name, svc in services.items():
        img = svc.get("image", "")
        if img and not img.startswith("${DOCPIPE_IMAGE"):
            check(":" in img and not img.endswith(":latest"),
                  "compose: %s's image %s has a version tag" % (name, img))


# ---- deploy/Dockerfile ---------------------------------------------------

def stages_of(path):
    """[(FROM line, [instructions])] of a Dockerfile, continuations joined."""
    with open(path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            out.append((line, []))
        elif out:
            out[-1][1].append(line)
    return out


def apt_packages(instructions):
    pkgs = set()
    for ins in instructions:
        for m in re.finditer(r"apt-get[^&;]*install([^&;]*)", ins):
            pkgs |= {w for w in m.group(1).split()
                     if not w.startswith("-") and "=" not in w}
    return pkgs


def dpkg_owner(path):
    r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return r.stdout.split(":")[0].strip()


def dockerfile(docpipe, path, makefile):
    st = stages_of(path)
    check(len(st) >= 2, "Dockerfile: multi-stage (%d stages)" % len(st))
    if len(st) < 2:
        return
    final_from, final = st[-1]
    build_pkgs = set().union(*(apt_packages(i) for _, i in st[:-1]))
    final_pkgs = apt_packages(final)
    check(re.search(r"debian:\$\{DEBIAN_RELEASE\}-slim|debian:[a-z0-9.]+-slim", final_from)
          is not None, "Dockerfile: the final stage is Debian slim", final_from)
    check(not any(p.endswith("-dev") or p in ("build-essential", "gcc", "make", "pkg-config")
                  for p in final_pkgs),
          "Dockerfile: no -dev package or compiler in the final image",
          " ".join(sorted(p for p in final_pkgs if p.endswith("-dev"))))
    user = [i.split()[1] for i in final if i.upper().startswith("USER ")]
    check(user and re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", user[-1]) is not None,
          "Dockerfile: runs as a numeric non-root user", str(user))
    check(any(i.startswith("COPY") and "/usr/share/docpipe/model_prices.json" in i
              and "deploy/prices/model_prices.json" in i for i in final),
          "Dockerfile: the price map where models.price_map looks for it")
    check(any(i.startswith("COPY --from=") and "docpipe" in i for i in final),
          "Dockerfile: the binary comes from the build stage")
    check(any("make" in i and i.startswith("RUN") for _, ins in st[:-1] for i in ins),
          "Dockerfile: the build stage runs make")

    # Every pkg-config module of the Makefile: its .pc file's package is
    # installed in the build stage.
    with open(makefile) as f:
        mk = re.sub(r"\\\n", " ", f.read())
    mods = re.search(r"^PKGS\s*:?=(.*)$", mk, re.M).group(1).split()
    missing = []
    for mod in mods:
        r = subprocess.run(["pkg-config", "--variable=pcfiledir", mod],
                           capture_output=True, text=True)
        pc = os.path.join(r.stdout.strip(), mod + ".pc")
        owner = dpkg_owner(os.path.realpath(pc)) or dpkg_owner(pc)
        if owner is None:
            missing.append(mod + " (no package owns " + pc + ")")
        elif owner.split(":")[0] not in build_pkgs:
            missing.append("%s (%s)" % (mod, owner))
    check(not missing, "Dockerfile: the build stage installs every pkg-config module "
          "of the Makefile (%d)" % len(mods), ", ".join(missing))

    # Every library the binary loads: its package is in the final stage.
    r = subprocess.run(["objdump", "-p", docpipe], capture_output=True, text=True)
    needed = re.findall(r"NEEDED\s+(\S+)", r.stdout)
    missing = []
    for lib in needed:
        if re.match(r"lib(c|m|pthread|dl|rt)\.so", lib):
            continue  # libc6: in every Debian image
        path = subprocess.run(["sh", "-c", "ldconfig -p | awk '$1 == \"%s\" { print $NF; exit }'"
                               % lib], capture_output=True, text=True).stdout.strip()
        owner = dpkg_owner(os.path.realpath(path)) if path else None
        if owner is None and path:
            owner = dpkg_owner(path)
        owner = owner.split(":")[0] if owner else None
        if owner not in final_pkgs:
            missing.append("%s (%s)" % (lib, owner))
    check(needed and not missing,
          "Dockerfile: the final stage installs the package of every library "
          "the binary loads (%d)" % len(needed), ", ".join(missing))


# ---- Kubernetes -----------------------------------------------------------

def k8s(docpipe, partitions, overlay, rendered):
    with open(rendered) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    by_kind = {}
    for d in docs:
        check(all(k in d for k in ("apiVersion", "kind")) and d.get("metadata", {}).get("name"),
              "%s: %s %s has apiVersion, kind, name" % (
                  overlay, d.get("kind"), d.get("metadata", {}).get("name")))
        by_kind.setdefault(d["kind"], []).append(d)
    deps = by_kind.get("Deployment", [])
    if not check(len(deps) == 1, "%s: one Deployment" % overlay):
        return
    dep = deps[0]
    name = dep["metadata"]["name"]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    check(spec["selector"]["matchLabels"].items() <= labels.items(),
          "%s: the Deployment's selector matches its pods" % overlay)
    cms = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    secrets = {s["metadata"]["name"]: s for s in by_kind.get("Secret", [])}
    c = pod["containers"][0]

    # The configuration as the worker would load it: file and environment.
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    args = c.get("args", [])
    cfg_path = args[args.index("-c") + 1] if "-c" in args else None
    cfg_dir, cfg_file = os.path.split(cfg_path or "")
    vol = vols.get(mounts.get(cfg_dir, ""), {})
    cm = cms.get(vol.get("configMap", {}).get("name", ""), {})
    text = cm.get("data", {}).get(cfg_file)
    if not check(text is not None, "%s: %s comes from a ConfigMap in the rendering"
                 % (overlay, cfg_path)):
        return
    env = {}
    for src in c.get("envFrom", []):
        if "configMapRef" in src:
            ref = src["configMapRef"]["name"]
            check(ref in cms, "%s: envFrom ConfigMap %s is rendered" % (overlay, ref))
            env.update(cms.get(ref, {}).get("data", {}))
        if "secretRef" in src:
            ref = src["secretRef"]["name"]
            if ref in secrets:
                env.update(secrets[ref].get("stringData", {}))
                ok("%s: envFrom Secret %s (example) is rendered" % (overlay, ref))
            else:
                ok("%s: envFrom Secret %s is made outside (not rendered)" % (overlay, ref))
    check(any("configMapRef" in s for s in c.get("envFrom", [])) and
          any("secretRef" in s for s in c.get("envFrom", [])),
          "%s: environment from a ConfigMap and a Secret" % overlay)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as tf:
        tf.write(text)
    try:
        cfg = settings(docpipe, tf.name, {k: str(v) for k, v in env.items()})
    finally:
        os.unlink(tf.name)
    if not check(cfg is not None, "%s: docpipe config check passes on the ConfigMap "
                 "with the environment" % overlay):
        return
    port = listen_port(cfg["worker.metrics_addr"])
    drain = int(cfg["worker.drain_timeout_ms"])

    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("metrics") == port,
          "%s: container port 'metrics' is worker.metrics_addr's %s" % (overlay, port))
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                        ("startupProbe", "/healthz")):
        g = c.get(probe, {}).get("httpGet", {})
        check(g.get("path") == path and g.get("port") in ("metrics", port),
              "%s: %s GET %s on the metrics port" % (overlay, probe, path))
    live = c.get("livenessProbe", {})
    check(live.get("periodSeconds", 10) * live.get("failureThreshold", 3) >= 30,
          "%s: liveness tolerates the loop's longest by-design block (30 s)" % overlay)
    res = c.get("resources", {})
    check(res.get("requests", {}).get("cpu") and res.get("requests", {}).get("memory")
          and res.get("limits", {}).get("memory"),
          "%s: resources: cpu and memory requests, a memory limit" % overlay)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace * 1000 >= drain + 20000,
          "%s: terminationGracePeriodSeconds %d > worker.drain_timeout_ms %d + 20 s "
          "of final commit and leave" % (overlay, grace, drain))
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) != 0,
          "%s: runAsNonRoot with a non-zero runAsUser" % overlay)
    check(csc.get("readOnlyRootFilesystem") is True and
          csc.get("allowPrivilegeEscalation") is False and
          "ALL" in csc.get("capabilities", {}).get("drop", []),
          "%s: read-only root filesystem, no privilege escalation, no capabilities"
          % overlay)
    tmp = vols.get(mounts.get("/tmp", ""), {})
    check("emptyDir" in tmp, "%s: /tmp is an emptyDir" % overlay)

    svcs = by_kind.get("Service", [])
    check(any(s["spec"]["selector"].items() <= labels.items() and
              any(p.get("targetPort") in ("metrics", port) for p in s["spec"]["ports"])
              for s in svcs), "%s: a Service selects the workers' metrics port" % overlay)
    pdbs = by_kind.get("PodDisruptionBudget", [])
    check(any(p["spec"]["selector"]["matchLabels"].items() <= labels.items() and
              ("maxUnavailable" in p["spec"] or "minAvailable" in p["spec"]) for p in pdbs),
          "%s: a PodDisruptionBudget covers the workers" % overlay)

    scalers = by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", [])
    check(len(scalers) <= 1, "%s: at most one autoscaler on the Deployment" % overlay)
    for so in by_kind.get("ScaledObject", []):
        s = so["spec"]
        check(s["scaleTargetRef"]["name"] == name,
              "%s: ScaledObject scales %s" % (overlay, name))
        trig = [t for t in s.get("triggers", []) if t.get("type") == "kafka"]
        if not check(len(trig) == 1, "%s: ScaledObject has a kafka trigger" % overlay):
            continue
        md = trig[0]["metadata"]
        check(md.get("topic") == cfg["topics.jobs"] and
              md.get("consumerGroup") == cfg["kafka.group.id"] and
              md.get("bootstrapServers") == cfg["kafka.bootstrap.servers"],
              "%s: the trigger watches topic %s of group %s on %s" % (
                  overlay, cfg["topics.jobs"], cfg["kafka.group.id"],
                  cfg["kafka.bootstrap.servers"]),
              "%s %s %s" % (md.get("topic"), md.get("consumerGroup"),
                            md.get("bootstrapServers")))
        check(int(md.get("lagThreshold", 0)) > 0 and
              0 <= int(md.get("activationLagThreshold", -1)) < int(md.get("lagThreshold", 0)),
              "%s: lagThreshold %s, activationLagThreshold %s" % (
                  overlay, md.get("lagThreshold"), md.get("activationLagThreshold")))
        check(1 <= s.get("minReplicaCount", 0) <= s.get("maxReplicaCount", 0) <= partitions,
              "%s: replicas %s..%s, at most the %d partitions" % (
                  overlay, s.get("minReplicaCount"), s.get("maxReplicaCount"), partitions))
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        s = h["spec"]
        check(s["scaleTargetRef"]["kind"] == "Deployment" and s["scaleTargetRef"]["name"] == name,
              "%s: HPA scales %s" % (overlay, name))
        check(1 <= s.get("minReplicas", 1) <= s["maxReplicas"] <= partitions,
              "%s: HPA replicas %s..%s, at most the %d partitions" % (
                  overlay, s.get("minReplicas"), s["maxReplicas"], partitions))


def main():
    what = sys.argv[1]
    if what == "compose":
        compose(sys.argv[2], sys.argv[3])
    elif what == "dockerfile":
        dockerfile(sys.argv[2], sys.argv[3], sys.argv[4])
    elif what == "k8s":
        k8s(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        print(__doc__)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
