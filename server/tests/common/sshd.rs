//! A real OpenSSH server as the SFTP peer: `/usr/sbin/sshd` (Debian `openssh-server`, which
//! `scripts/setup` installs with its `hmis-sftp` user) on a loopback port with a fresh host key,
//! an authorized client key and the user's password, chrooted to a directory of its own. Each
//! test gets its own server; it is stopped and its directory removed when dropped.
//!
//! sshd needs root for password logins and chroots, and a chroot whose every directory is owned
//! by root and writable by nobody else, so it lives under /srv (not /tmp).
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user the tests sign in as, and its password (`scripts/setup`).
pub const SFTP_USER: &str = "hmis-sftp";
pub const SFTP_PASSWORD: &str = "hmis-sftp-test-password";

pub struct SshServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    /// The host key's `SHA256:...` fingerprint, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// The authorized client key (OpenSSH private key text).
    pub client_key: String,
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("run {program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl SshServer {
    pub fn start() -> SshServer {
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "the SFTP tests need OpenSSH's server: run scripts/setup --test (Debian openssh-server)"
        );
        let unique = format!("{}-{}", std::process::id(), super::rand_suffix());
        let dir = PathBuf::from(format!("/srv/hmis-sftp-test-{unique}"));
        let upload = dir.join("chroot/upload");
        std::fs::create_dir_all(&upload).expect("create the chroot (the SFTP tests run as root)");
        for d in [Path::new("/srv"), &dir, &dir.join("chroot")] {
            chmod(d, 0o755);
        }
        run("chown", &[SFTP_USER, upload.to_str().unwrap()]);
        std::fs::create_dir_all("/run/sshd").unwrap();
        let client = dir.join("client_key");
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-C", "hmis-test", "-f", client.to_str().unwrap()]);
        let authorized = dir.join("authorized_keys");
        std::fs::copy(dir.join("client_key.pub"), &authorized).unwrap();
        chmod(&authorized, 0o644);
        let mut server = SshServer {
            child: None,
            port: free_port(),
            dir,
            fingerprint: String::new(),
            client_key: std::fs::read_to_string(&client).unwrap(),
        };
        server.new_host_key();
        server.spawn();
        server
    }

    /// A fresh host key (the server must be restarted to present it).
    fn new_host_key(&mut self) {
        let key = self.dir.join("host_key");
        let _ = std::fs::remove_file(&key);
        let _ = std::fs::remove_file(self.dir.join("host_key.pub"));
        run("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
        chmod(&key, 0o600);
        let listed = run("ssh-keygen", &["-l", "-E", "sha256", "-f", &format!("{}.pub", key.display())]);
        self.fingerprint = listed.split_whitespace().nth(1).expect("a fingerprint").to_string();
    }

    fn spawn(&mut self) {
        let d = self.dir.display();
        let config = [
            format!("Port {}", self.port),
            "ListenAddress 127.0.0.1".into(),
            format!("HostKey {d}/host_key"),
            "PidFile none".into(),
            format!("AuthorizedKeysFile {d}/authorized_keys"),
            "UsePAM no".into(),
            "StrictModes yes".into(),
            "PasswordAuthentication yes".into(),
            "KbdInteractiveAuthentication no".into(),
            "PubkeyAuthentication yes".into(),
            "PermitRootLogin no".into(),
            format!("AllowUsers {SFTP_USER}"),
            "AllowTcpForwarding no".into(),
            "X11Forwarding no".into(),
            "Subsystem sftp internal-sftp".into(),
            "LogLevel ERROR".into(),
            format!("Match User {SFTP_USER}"),
            format!("    ChrootDirectory {d}/chroot"),
            "    ForceCommand internal-sftp".into(),
        ]
        .join("\n")
            + "\n";
        let path = self.dir.join("sshd_config");
        std::fs::write(&path, config).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f", path.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sshd");
        self.child = Some(child);
        self.wait_for_banner();
    }

    fn wait_for_banner(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("sshd exited ({status}) before listening on port {}", self.port);
            }
            if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut banner = [0u8; 8];
                if s.read_exact(&mut banner).is_ok() && banner.starts_with(b"SSH-2.0") {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "sshd did not start on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stop the server and every session it forked (sshd serves each connection in a process of
    /// its own, which outlives the listener).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let mut pids = descendants(child.id());
            pids.push(child.id());
            let _ = Command::new("kill").arg("-9").args(pids.iter().map(u32::to_string)).status();
            let _ = child.wait();
        }
    }

    /// Stop the server now (what a crash looks like to a client).
    pub fn kill(&mut self) {
        self.stop();
    }

    /// The same server on the same port with another host key: what a replaced (or spoofed)
    /// server looks like.
    pub fn restart_with_new_host_key(&mut self) {
        self.stop();
        self.new_host_key();
        self.spawn();
    }

    /// `sftp://hmis-sftp@127.0.0.1:PORT/upload`
    pub fn url(&self) -> String {
        format!("sftp://{SFTP_USER}@127.0.0.1:{}/upload", self.port)
    }

    /// The upload directory as the server's disk has it.
    pub fn upload_dir(&self) -> PathBuf {
        self.dir.join("chroot/upload")
    }

    /// The files in the upload directory, by name.
    pub fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.upload_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// The processes below `pid`, from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let parent_of = |p: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{p}/stat")).ok()?;
        // "pid (comm) state ppid ...": the name may hold spaces, so read after its last ')'.
        stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
    };
    let all: Vec<u32> = std::fs::read_dir("/proc")
        .map(|dir| dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        let children: Vec<u32> =
            all.iter().copied().filter(|p| parent_of(*p) == Some(parent) && !found.contains(p)).collect();
        found.extend(children);
        i += 1;
    }
    found.remove(0);
    found
}

impl Drop for SshServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
