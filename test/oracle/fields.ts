/**
 * The fields the differential tests compare with tshark 4.0. tshark runs once
 * per capture with all of them (its start-up dominates: ~0.2 s a file), and
 * the result is cached; each area lists its own fields here.
 */

/** Capture layer (frame metadata). */
export const FRAME_FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id'];

/** TCP, UDP, DNS and DHCP (the relative numbers and SACK edges, tcp.seq / tcp.ack / sack_le, are analysis's). */
export const TRANSPORT_FIELDS = [
  'tcp.srcport', 'tcp.dstport', 'tcp.port', 'tcp.len', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.hdr_len', 'tcp.flags',
  'tcp.flags.res', 'tcp.flags.ae', 'tcp.flags.cwr', 'tcp.flags.ece', 'tcp.flags.urg', 'tcp.flags.ack', 'tcp.flags.push',
  'tcp.flags.reset', 'tcp.flags.syn', 'tcp.flags.fin', 'tcp.flags.str', 'tcp.window_size_value', 'tcp.checksum',
  'tcp.checksum.status', 'tcp.urgent_pointer', 'tcp.options', 'tcp.option_kind', 'tcp.option_len', 'tcp.options.nop',
  'tcp.options.eol', 'tcp.options.mss', 'tcp.options.mss_val', 'tcp.options.wscale', 'tcp.options.wscale.shift',
  'tcp.options.wscale.multiplier', 'tcp.options.sack_perm', 'tcp.options.sack', 'tcp.options.sack.count',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr', 'tcp.payload', 'tcp.reset_cause',
  'udp.srcport', 'udp.dstport', 'udp.port', 'udp.length', 'udp.checksum', 'udp.checksum.status', 'udp.payload',
  'dns.id', 'dns.flags', 'dns.flags.response', 'dns.flags.opcode', 'dns.flags.authoritative', 'dns.flags.truncated',
  'dns.flags.recdesired', 'dns.flags.recavail', 'dns.flags.z', 'dns.flags.authenticated', 'dns.flags.checkdisable',
  'dns.flags.rcode', 'dns.count.queries', 'dns.count.answers', 'dns.count.auth_rr', 'dns.count.add_rr', 'dns.qry.name',
  'dns.qry.name.len', 'dns.count.labels', 'dns.qry.type', 'dns.qry.class', 'dns.resp.name', 'dns.resp.type',
  'dns.resp.class', 'dns.resp.ttl', 'dns.resp.len', 'dns.a', 'dns.aaaa', 'dns.ns', 'dns.cname', 'dns.ptr.domain_name',
  'dns.mx.preference', 'dns.mx.mail_exchange', 'dns.soa.mname', 'dns.txt',
  'dhcp.type', 'dhcp.hw.type', 'dhcp.hw.len', 'dhcp.hops', 'dhcp.id', 'dhcp.secs', 'dhcp.flags', 'dhcp.flags.bc',
  'dhcp.flags.reserved', 'dhcp.ip.client', 'dhcp.ip.your', 'dhcp.ip.server', 'dhcp.ip.relay', 'dhcp.hw.mac_addr',
  'dhcp.hw.addr_padding', 'dhcp.server', 'dhcp.file', 'dhcp.cookie', 'dhcp.option.type', 'dhcp.option.length',
  'dhcp.option.dhcp', 'dhcp.option.subnet_mask', 'dhcp.option.router', 'dhcp.option.domain_name_server',
  'dhcp.option.hostname', 'dhcp.option.domain_name', 'dhcp.option.broadcast_address', 'dhcp.option.requested_ip_address',
  'dhcp.option.ip_address_lease_time', 'dhcp.option.dhcp_server_id', 'dhcp.option.request_list_item',
  'dhcp.option.dhcp_max_message_size', 'dhcp.option.renewal_time_value', 'dhcp.option.rebinding_time_value',
  'dhcp.option.vendor_class_id', 'dhcp.option.end', 'dhcp.option.padding',
];

/** Decoders. */
export const DECODE_FIELDS: string[] = [...TRANSPORT_FIELDS];

/** Analysis (tcp.stream, relative sequence numbers, tcp.analysis.*). */
export const ANALYSIS_FIELDS: string[] = [];

export const ORACLE_FIELDS: readonly string[] = [...new Set([...FRAME_FIELDS, ...DECODE_FIELDS, ...ANALYSIS_FIELDS])];
