//! The words about containers (issue 16): who publishes a port for which container,
//! why `kill` leaves a container's publisher alone, and the audit's findings on
//! published container ports.

use crate::Words;

impl Words {
    /// One line of `who` for a listener published for a container:
    /// "podman container web (image localhost/pdx-test), published 127.0.0.1:18080 → 80/tcp,
    /// httpd pid 26647 inside". `published` is (host address and port, container port,
    /// transport); `inside` the container's main process (pid, name).
    pub fn ctr_who(
        self,
        engine: &str,
        name: &str,
        image: Option<&str>,
        published: Option<(&str, u16, &str)>,
        inside: Option<(u32, &str)>,
    ) -> String {
        self.say(
            || {
                let mut s = format!("{engine} container {name}");
                if let Some(i) = image {
                    s.push_str(&format!(" (image {i})"));
                }
                if let Some((host, port, t)) = published {
                    s.push_str(&format!(", published {host} → {port}/{t}"));
                }
                if let Some((pid, p)) = inside {
                    s.push_str(&format!(", {p} pid {pid} inside"));
                }
                s
            },
            || {
                let mut s = format!("{engine} コンテナ {name}");
                if let Some(i) = image {
                    s.push_str(&format!("（イメージ {i}）"));
                }
                if let Some((host, port, t)) = published {
                    s.push_str(&format!("、{host} → {port}/{t} として公開"));
                }
                if let Some((pid, p)) = inside {
                    s.push_str(&format!("、内部で {p} が pid {pid} で動作"));
                }
                s
            },
        )
    }

    /// `kill` refuses to signal a container's publisher, and says how to stop the
    /// container (`stop`: "podman stop web").
    pub fn ctr_kill_refused(
        self,
        pid: u32,
        process: &str,
        port: u16,
        engine: &str,
        name: &str,
        stop: &str,
    ) -> String {
        self.say(
            || format!("pid {pid} ({process}) holds port {port} for {engine} container {name}: signalling it would not stop the container, and --yes does not either; stop the container with `{stop}`"),
            || format!("pid {pid}（{process}）は {engine} コンテナ {name} のためにポート {port} を保持しています。これにシグナルを送ってもコンテナは止まりません（--yes でも同じです）。コンテナは `{stop}` で停止してください"),
        )
    }

    /// `kill` refuses to signal a publisher whose container portdex cannot name
    /// (`list`: "docker ps").
    pub fn ctr_kill_refused_unknown(
        self,
        pid: u32,
        process: &str,
        port: u16,
        list: &str,
    ) -> String {
        self.say(
            || format!("pid {pid} ({process}) holds port {port} for a container: signalling it would not stop the container, and --yes does not either; find the container with `{list}` and stop it there"),
            || format!("pid {pid}（{process}）はコンテナのためにポート {port} を保持しています。これにシグナルを送ってもコンテナは止まりません（--yes でも同じです）。`{list}` でコンテナを探し、そこで停止してください"),
        )
    }

    /// The audit's finding on a container port published on an address other machines
    /// reach (`inside`: "80/tcp").
    pub fn ctr_published_why(
        self,
        engine: &str,
        name: &str,
        image: Option<&str>,
        inside: Option<&str>,
        exposure: &str,
    ) -> String {
        let image_en = image.map_or(String::new(), |i| format!(" (image {i})"));
        let image_ja = image.map_or(String::new(), |i| format!("（イメージ {i}）"));
        let port_en = inside.map_or("a port".to_owned(), |i| format!("its port {i}"));
        let port_ja = inside.map_or("ポート".to_owned(), |i| format!("ポート {i} "));
        self.say(
            || format!("{engine} container {name}{image_en} publishes {port_en} here, reachable from {}.", reach_en(exposure)),
            || format!("{engine} コンテナ {name}{image_ja} が{port_ja}をここで公開しています。{}から到達できます。", reach_ja(exposure)),
        )
    }

    /// What to do about a published container port (`host`, `port`: the host's and
    /// the container's port).
    pub fn ctr_published_fix(self, host: u16, port: u16, stop: &str) -> String {
        self.say(
            || format!("Publish it on 127.0.0.1 (-p 127.0.0.1:{host}:{port}) unless other machines must reach it, or stop the container (`{stop}`)."),
            || format!("他のマシンから到達する必要がなければ 127.0.0.1 で公開する（-p 127.0.0.1:{host}:{port}）か、コンテナを停止してください（`{stop}`）。"),
        )
    }

    /// The audit's finding on a port Docker publishes for a named container. From
    /// Docker's "Packet filtering and firewalls": DOCKER-USER and DOCKER are part of
    /// the FORWARD chain and see the packets first, after DNAT; "if you publish a port
    /// through Docker, this port gets published no matter what rules your firewall has
    /// configured"; rules meant for it go into DOCKER-USER.
    pub fn ctr_docker_published_why(self, name: &str, image: Option<&str>, inside: &str) -> String {
        let image_en = image.map_or(String::new(), |i| format!(" (image {i})"));
        let image_ja = image.map_or(String::new(), |i| format!("（イメージ {i}）"));
        self.say(
            || format!("Docker publishes port {inside} of container {name}{image_en} here. Docker sends its packets through DNAT to the FORWARD chain, where Docker's chains DOCKER-USER and DOCKER come first, so ufw's INPUT rules never see them: the port is published whatever the firewall's rules say (rules for it belong in DOCKER-USER)."),
            || format!("Docker がコンテナ {name}{image_ja} のポート {inside} をここで公開しています。Docker はそのパケットを DNAT で FORWARD チェーンに送り、そこでは Docker のチェーン DOCKER-USER と DOCKER が先に処理します。ufw の INPUT のルールはこのパケットを見ません。ファイアウォールのルールに関係なく公開されます（このポートのルールは DOCKER-USER に書きます）。"),
        )
    }

    /// A header of `ls` for a network namespace that a container uses.
    pub fn ctr_netns_header(self, engine: &str, name: &str, image: Option<&str>) -> String {
        self.say(
            || match image {
                Some(i) => format!("{engine} container {name} (image {i})"),
                None => format!("{engine} container {name}"),
            },
            || match image {
                Some(i) => format!("{engine} コンテナ {name}（イメージ {i}）"),
                None => format!("{engine} コンテナ {name}"),
            },
        )
    }
}

fn reach_en(exposure: &str) -> &'static str {
    match exposure {
        "all" => "every network this machine is on",
        _ => "the networks of that address",
    }
}

fn reach_ja(exposure: &str) -> &'static str {
    match exposure {
        "all" => "このマシンがつながるすべてのネットワーク",
        _ => "そのアドレスのネットワーク",
    }
}

#[cfg(test)]
mod tests {
    use crate::{Lang, Words};

    #[test]
    fn who_line_in_both_languages() {
        let en = Words(Lang::En).ctr_who(
            "podman",
            "web",
            Some("localhost/pdx-test"),
            Some(("127.0.0.1:18080", 80, "tcp")),
            Some((26647, "httpd")),
        );
        assert_eq!(en, "podman container web (image localhost/pdx-test), published 127.0.0.1:18080 → 80/tcp, httpd pid 26647 inside");
        let ja = Words(Lang::Ja).ctr_who("docker", "db", None, None, None);
        assert_eq!(ja, "docker コンテナ db");
        let refused =
            Words(Lang::En).ctr_kill_refused(1, "conmon", 80, "podman", "web", "podman stop web");
        assert!(refused.contains("`podman stop web`"), "{refused}");
    }
}
