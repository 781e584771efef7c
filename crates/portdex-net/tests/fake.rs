//! `listeners` against a fake socket source: the logic without the kernel.

use portdex_net::{
    listeners, Exposure, ListOptions, Owners, Process, RawSocket, SocketSource, Which,
};
use portdex_registry::{Severity, Transport};
use std::collections::HashMap;

struct Fake {
    sockets: Vec<RawSocket>,
    owners: HashMap<u64, Vec<Process>>,
    hidden: bool,
}

impl SocketSource for Fake {
    fn sockets(&self, transport: Transport, _which: Which) -> std::io::Result<Vec<RawSocket>> {
        Ok(self
            .sockets
            .iter()
            .filter(|s| s.transport == transport)
            .cloned()
            .collect())
    }
    fn owners(&self, inodes: &[u64], _cmdline: bool) -> Owners {
        Owners {
            by_inode: self
                .owners
                .iter()
                .filter(|(i, _)| inodes.contains(i))
                .map(|(i, p)| (*i, p.clone()))
                .collect(),
            hidden: self.hidden,
        }
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        (uid == 999).then(|| "redis".to_owned())
    }
}

fn sock(transport: Transport, local: &str, inode: u64) -> RawSocket {
    let local = local.parse().unwrap();
    RawSocket {
        transport,
        local,
        remote: "0.0.0.0:0".parse().unwrap(),
        state: 10,
        uid: 999,
        inode,
    }
}

#[test]
fn listeners_are_annotated_sorted_and_owned() {
    let fake = Fake {
        sockets: vec![
            sock(Transport::Tcp, "0.0.0.0:9200", 3),
            sock(Transport::Tcp, "[::ffff:127.0.0.1]:6379", 2),
            sock(Transport::Tcp, "10.0.0.5:22", 1),
            sock(Transport::Udp, "[::]:5353", 4),
        ],
        owners: HashMap::from([(
            2,
            vec![Process {
                pid: 42,
                name: "redis-server".into(),
                cmdline: None,
            }],
        )]),
        hidden: true,
    };
    let snap = listeners(&fake, ListOptions::default()).unwrap();
    assert!(snap.owners_hidden);
    let l: Vec<_> = snap
        .listeners
        .iter()
        .map(|l| (l.transport, l.port, l.exposure))
        .collect();
    assert_eq!(
        l,
        [
            (Transport::Tcp, 22, Exposure::Address),
            (Transport::Tcp, 6379, Exposure::Loopback),
            (Transport::Tcp, 9200, Exposure::All),
            (Transport::Udp, 5353, Exposure::All),
        ]
    );
    let redis = &snap.listeners[1];
    assert_eq!(redis.processes[0].pid, 42);
    assert_eq!(redis.user.as_deref(), Some("redis"));
    assert_eq!(redis.registry_service, Some("redis"));
    assert_eq!(redis.severity, Some(Severity::Critical));
    let es = &snap.listeners[2];
    assert_eq!(
        es.registry_service,
        Some("wap-wsp"),
        "the registry's name, not a detection"
    );
    assert_eq!(es.common_use, Some("elasticsearch"));
    assert!(es.processes.is_empty());

    let tcp_only = listeners(
        &fake,
        ListOptions {
            udp: false,
            owners: false,
            ..ListOptions::default()
        },
    )
    .unwrap();
    assert_eq!(tcp_only.listeners.len(), 3);
    assert!(tcp_only.listeners.iter().all(|l| l.processes.is_empty()));
    assert!(!tcp_only.owners_hidden);
}
