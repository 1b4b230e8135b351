#!/usr/bin/env bash
# An OpenSSH SFTP server for the browser tests, on 127.0.0.1:$1 with a fresh host key, the
# `hmis-sftp` user (password hmis-sftp-test-password, made by scripts/setup) chrooted to
# /srv/hmis-e2e-sftp-$1, which holds upload/. Runs in the foreground until killed; as root
# (password logins and chroots need it), like the Rust tests' server (server/tests/common/sshd.rs).
set -euo pipefail
port="$1"
dir="/srv/hmis-e2e-sftp-$port"
rm -rf "$dir"
mkdir -p "$dir/chroot/upload" /run/sshd
chmod 755 /srv "$dir" "$dir/chroot"
chown hmis-sftp "$dir/chroot/upload"
ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
cat > "$dir/sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile none
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers hmis-sftp
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp
LogLevel ERROR
Match User hmis-sftp
    ChrootDirectory $dir/chroot
    ForceCommand internal-sftp
CONFIG
# Stopping it stops the sessions too: sshd serves each connection in processes of its own.
stop() {
  local pid="$1" child
  for child in $(pgrep -P "$pid" || true); do stop "$child"; done
  kill -9 "$pid" 2>/dev/null || true
}
/usr/sbin/sshd -D -e -f "$dir/sshd_config" &
sshd=$!
trap 'stop "$sshd"; rm -rf "$dir"' EXIT INT TERM
wait "$sshd"
