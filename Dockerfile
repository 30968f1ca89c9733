# The grader image: Debian 12 with Node 20 (the official node image), what
# grading needs, and the kit without its solutions or history. It runs
# `autograde` on a mounted submissions folder, so a grading server, a CI runner,
# Gradescope or a Kubernetes Job grades exactly the same way:
#
#   docker build -t socket-kit-grader .
#   docker run --rm --privileged -v "$PWD/subs:/submissions:ro" -v "$PWD/grades:/grades" socket-kit-grader
#   docker run --rm --privileged -v ... socket-kit-grader --submissions /submissions --out /grades --lab 07 --shard 1/4
#
# --privileged lets the sandbox use namespaces, cgroups and other uids inside the
# container; without it autograde still grades, and its log lists each sandbox
# layer it could not use.
FROM node:20-bookworm-slim

# What grading needs (as .ci/run installs it, less what only the kit's own tests use):
# curl, fetchmail and python3 are the real mail clients lab tests drive; util-linux
# (setpriv, prlimit, unshare) and bubblewrap confine the students' programs.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      bubblewrap ca-certificates curl fetchmail python3 util-linux \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /kit
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Readable, not writable, by the sandbox's unprivileged uids.
RUN chmod -R go-w,o+rX .

ENTRYPOINT ["node", "--import", "tsx", "lib/cli/autograde.ts"]
CMD ["--submissions", "/submissions", "--out", "/grades"]
