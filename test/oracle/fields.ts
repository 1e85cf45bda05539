/**
 * The fields the differential tests compare with tshark 4.0. tshark runs once
 * per capture with all of them (its start-up dominates: ~0.2 s a file), and
 * the result is cached; each area lists its own fields here.
 */

/** Capture layer (frame metadata). */
export const FRAME_FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id'];

/**
 * pcapng packet comments (capture/packet-options.ts). Apart from FRAME_FIELDS:
 * tshark prints a comment's control bytes raw, synack escapes them, so their
 * tests compare through the terminal-safe escaping (test/capture/comments.test.ts).
 */
export const COMMENT_FIELDS = ['frame.comment', 'frame.comment.expert'];

/** TCP, UDP, DNS and DHCP (the relative numbers and SACK edges, tcp.seq / tcp.ack / sack_le, are analysis's). */
export const TRANSPORT_FIELDS = [
  'tcp.srcport', 'tcp.dstport', 'tcp.port', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags',
  'tcp.flags.res', 'tcp.flags.ae', 'tcp.flags.cwr', 'tcp.flags.ece', 'tcp.flags.urg', 'tcp.flags.ack', 'tcp.flags.push',
  'tcp.flags.reset', 'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.str', 'tcp.window_size_value', 'tcp.checksum',
  'tcp.checksum.status', 'tcp.urgent_pointer', 'tcp.options', 'tcp.option_kind', 'tcp.option_len', 'tcp.options.nop',
  'tcp.options.eol', 'tcp.options.mss', 'tcp.options.mss_val', 'tcp.options.wscale', 'tcp.options.wscale.shift',
  'tcp.options.wscale.multiplier', 'tcp.options.sack_perm', 'tcp.options.sack', 'tcp.options.sack.count',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', 'tcp.payload', 'tcp.reset_cause',
  'tcp.connection.syn', 'tcp.connection.synack', 'tcp.connection.fin', 'tcp.connection.rst', 'tcp.ack.nonzero',
  'tcp.urgent_pointer.non_zero', 'tcp.nop', 'tcp.options.mss.absent', 'tcp.options.mss.present',
  'udp.srcport', 'udp.dstport', 'udp.port', 'udp.length', 'udp.checksum', 'udp.checksum.status', 'udp.payload',
  'dns.length', 'dns.id', 'dns.flags', 'dns.flags.response', 'dns.flags.opcode', 'dns.flags.authoritative', 'dns.flags.truncated',
  'dns.flags.recdesired', 'dns.flags.recavail', 'dns.flags.z', 'dns.flags.authenticated', 'dns.flags.checkdisable',
  'dns.flags.rcode', 'dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr', 'dns.qry.name',
  'dns.qry.name.len', 'dns.count.labels', 'dns.qry.type', 'dns.qry.class', 'dns.resp.name', 'dns.resp.type',
  'dns.resp.class', 'dns.resp.ttl', 'dns.resp.len', 'dns.a', 'dns.aaaa', 'dns.ns', 'dns.cname', 'dns.ptr.domain_name',
  'dns.mx.preference', 'dns.mx.mail_exchange', 'dns.soa.mname', 'dns.soa.rname', 'dns.soa.serial_number',
  'dns.soa.refresh_interval', 'dns.soa.retry_interval', 'dns.soa.expire_limit', 'dns.soa.minimum_ttl', 'dns.txt',
  'dns.opt', 'dns.opt.code', 'dns.opt.len', 'dns.opt.data', 'dns.opt.dau', 'dns.opt.dhu', 'dns.opt.n3u',
  'dns.opt.client.family', 'dns.opt.client.netmask', 'dns.opt.client.scope', 'dns.opt.client.addr4', 'dns.opt.client.addr6',
  'dns.opt.client.addr', 'dns.opt.cookie.client', 'dns.opt.cookie.server', 'dns.opt.edns_tcp_keepalive.timeout',
  'dns.opt.padding', 'dns.opt.chain.fqdn', 'dns.opt.ext_error.info_code', 'dns.opt.ext_error.extra_text',
  'dns.rrsig.type_covered', 'dns.rrsig.algorithm', 'dns.rrsig.labels', 'dns.rrsig.original_ttl', 'dns.rrsig.signature_expiration',
  'dns.rrsig.signature_inception', 'dns.rrsig.key_tag', 'dns.rrsig.signers_name', 'dns.rrsig.signature', 'dns.dnskey.flags',
  'dns.dnskey.flags.zone_key', 'dns.dnskey.flags.key_revoked', 'dns.dnskey.flags.secure_entry_point', 'dns.dnskey.flags.reserved',
  'dns.dnskey.protocol', 'dns.dnskey.algorithm', 'dns.dnskey.key_id', 'dns.dnskey.public_key', 'dns.ds.key_id', 'dns.ds.algorithm',
  'dns.ds.digest_type', 'dns.ds.digest', 'dns.nsec.next_domain_name', 'dns.nsec3.algo', 'dns.nsec3.flags', 'dns.nsec3.flags.opt_out',
  'dns.nsec3.iterations', 'dns.nsec3.salt_length', 'dns.nsec3.salt_value', 'dns.nsec3.hash_length', 'dns.nsec3.hash_value',
  'dns.sshfp.algorithm', 'dns.sshfp.fingerprint.type', 'dns.sshfp.fingerprint', 'dns.undecoded.type', 'dns.data',
  'dhcp.type', 'dhcp.hw.type', 'dhcp.hw.len', 'dhcp.hops', 'dhcp.id', 'dhcp.secs', 'dhcp.flags', 'dhcp.flags.bc',
  'dhcp.flags.reserved', 'dhcp.ip.client', 'dhcp.ip.your', 'dhcp.ip.server', 'dhcp.ip.relay', 'dhcp.hw.mac_addr',
  'dhcp.hw.addr_padding', 'dhcp.server', 'dhcp.file', 'dhcp.cookie', 'dhcp.option.type', 'dhcp.option.length',
  'dhcp.option.dhcp', 'dhcp.option.subnet_mask', 'dhcp.option.router', 'dhcp.option.domain_name_server',
  'dhcp.option.hostname', 'dhcp.option.domain_name', 'dhcp.option.broadcast_address', 'dhcp.option.requested_ip_address',
  'dhcp.option.ip_address_lease_time', 'dhcp.option.dhcp_server_id', 'dhcp.option.request_list_item',
  'dhcp.option.dhcp_max_message_size', 'dhcp.option.renewal_time_value', 'dhcp.option.rebinding_time_value',
  'dhcp.option.vendor_class_id', 'dhcp.option.end', 'dhcp.option.padding',
];

/** Frame extras, link layers, ARP, IPv4, IPv6 and its extension headers, ICMP, ICMPv6. */
export const NETWORK_FIELDS = [
  'frame.protocols', 'frame.encap_type', 'frame.time_relative', 'frame.time_delta', 'frame.marked', 'frame.ignored',
  'frame.interface_name', 'frame.interface_description', 'frame.section_number',
  'eth.dst', 'eth.src', 'eth.addr', 'eth.dst.lg', 'eth.dst.ig', 'eth.src.lg', 'eth.src.ig', 'eth.lg', 'eth.ig',
  'eth.type', 'eth.len', 'eth.invalid_lentype', 'eth.padding', 'eth.trailer', 'eth.fcs', 'eth.fcs.status',
  'llc.dsap', 'llc.ssap', 'llc.control', 'llc.type', 'llc.oui', 'llc.pid', 'vlan.priority', 'vlan.dei', 'vlan.id',
  'vlan.etype', 'vlan.len', 'vlan.trailer', 'ieee8021ad.priority', 'ieee8021ad.dei', 'ieee8021ad.id',
  'ieee8021ah.etype', 'sll.pkttype', 'sll.hatype', 'sll.halen', 'sll.src.eth', 'sll.src.ipv4', 'sll.src.other',
  'sll.unused', 'sll.etype', 'sll.ltype', 'sll.gretype', 'sll.ifindex', 'sll.trailer', 'null.family', 'null.type',
  'arp.hw.type', 'arp.proto.type', 'arp.hw.size', 'arp.proto.size', 'arp.opcode', 'arp.isgratuitous', 'arp.isprobe',
  'arp.isannouncement', 'arp.src.hw_mac', 'arp.src.hw', 'arp.src.proto_ipv4', 'arp.src.proto', 'arp.dst.hw_mac',
  'arp.dst.hw', 'arp.dst.proto_ipv4', 'arp.dst.proto', 'ip.version', 'ip.hdr_len', 'ip.dsfield', 'ip.dsfield.dscp',
  'ip.dsfield.ecn', 'ip.len', 'ip.id', 'ip.flags', 'ip.flags.rb', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset',
  'ip.ttl', 'ip.proto', 'ip.checksum', 'ip.checksum.status', 'ip.src', 'ip.dst', 'ip.addr', 'ip.src_host',
  'ip.dst_host', 'ip.host', 'ip.opt.type', 'ip.opt.len', 'ipv6.version', 'ipv6.tclass', 'ipv6.tclass.dscp',
  'ipv6.tclass.ecn', 'ipv6.flow', 'ipv6.plen', 'ipv6.nxt', 'ipv6.hlim', 'ipv6.src', 'ipv6.dst', 'ipv6.addr',
  'ipv6.src_host', 'ipv6.dst_host', 'ipv6.host', 'ipv6.opt.type', 'ipv6.opt.length', 'ipv6.hopopts.nxt',
  'ipv6.hopopts.len', 'ipv6.hopopts.len_oct', 'ipv6.routing.nxt', 'ipv6.routing.len', 'ipv6.routing.len_oct',
  'ipv6.routing.type', 'ipv6.routing.segleft', 'ipv6.fraghdr.nxt', 'ipv6.fraghdr.reserved_octet',
  'ipv6.fraghdr.offset', 'ipv6.fraghdr.reserved_bits', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident', 'ipv6.dstopts.nxt',
  'ipv6.dstopts.len', 'ipv6.dstopts.len_oct', 'icmp.type', 'icmp.code', 'icmp.checksum', 'icmp.checksum.status',
  'icmp.ident', 'icmp.ident_le', 'icmp.seq', 'icmp.seq_le', 'icmp.mtu', 'icmp.redir_gw', 'icmp.pointer',
  'icmpv6.type', 'icmpv6.code', 'icmpv6.checksum', 'icmpv6.checksum.status', 'icmpv6.echo.identifier',
  'icmpv6.echo.sequence_number', 'icmpv6.mtu', 'icmpv6.pointer', 'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
];

/** Decoders. */
export const DECODE_FIELDS: string[] = [...NETWORK_FIELDS, ...TRANSPORT_FIELDS];

/** Analysis (tcp.stream, relative sequence numbers, tcp.analysis.*). */
export const ANALYSIS_FIELDS: string[] = [
  'tcp.stream', 'tcp.completeness', 'tcp.seq', 'tcp.ack', 'tcp.nxtseq', 'tcp.window_size', 'tcp.window_size_scalefactor',
  'tcp.time_relative', 'tcp.time_delta', 'tcp.options.sack_le', 'tcp.options.sack_re', 'tcp.analysis',
  'tcp.analysis.flags', 'tcp.analysis.acks_frame', 'tcp.analysis.ack_rtt', 'tcp.analysis.initial_rtt',
  'tcp.analysis.bytes_in_flight', 'tcp.analysis.push_bytes_sent', 'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission', 'tcp.analysis.spurious_retransmission', 'tcp.analysis.out_of_order',
  'tcp.analysis.reused_ports', 'tcp.analysis.lost_segment', 'tcp.analysis.ack_lost_segment',
  'tcp.analysis.window_update', 'tcp.analysis.window_full', 'tcp.analysis.keep_alive', 'tcp.analysis.keep_alive_ack',
  'tcp.analysis.zero_window_probe', 'tcp.analysis.zero_window', 'tcp.analysis.zero_window_probe_ack',
  'tcp.analysis.duplicate_ack', 'tcp.analysis.duplicate_ack_num', 'tcp.analysis.duplicate_ack_frame',
  'tcp.analysis.rto', 'tcp.analysis.rto_frame', 'tcp.connection.fin_active', 'tcp.connection.fin_passive',
  'tcp.options.sack.dsack_le', 'tcp.options.sack.dsack_re', 'tcp.options.sack.dsack',
  'icmp.resp_to', 'icmp.resptime', 'icmpv6.resp_to', 'icmpv6.resptime', 'dns.response_to', 'dns.time',
  'arp.duplicate-address-detected', 'arp.duplicate-address-frame', 'arp.seconds-since-duplicate-address-frame',
  'udp.stream', 'udp.time_relative', 'udp.time_delta',
];

/**
 * The output's fields (src/output/frame-fields.ts): the summary columns and
 * the time since the previous displayed frame. Asked of tshark apart from
 * ORACLE_FIELDS, on the captures whose summaries synack writes, so the
 * one-run-per-capture warm-up need not build every frame's columns;
 * frame.time depends on TZ and is compared zone by zone instead.
 */
export const OUTPUT_FIELDS: readonly string[] = [
  '_ws.col.No.', '_ws.col.Time', '_ws.col.Source', '_ws.col.Destination', '_ws.col.Protocol', '_ws.col.Length', '_ws.col.Info',
  'frame.time_delta_displayed',
];

/**
 * tshark's own verdicts, not fields synack has: the differential test reads
 * them to explain differences (a frame tshark calls [Malformed Packet] is
 * one where its dissector threw and stopped).
 */
export const ORACLE_ONLY_FIELDS: string[] = ['_ws.malformed'];

export const ORACLE_FIELDS: readonly string[] = [...new Set([...FRAME_FIELDS, ...COMMENT_FIELDS, ...DECODE_FIELDS, ...ANALYSIS_FIELDS, ...ORACLE_ONLY_FIELDS])];
