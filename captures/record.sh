#!/usr/bin/env bash
# Records the captures in this folder again (captures/README.md says what each
# one shows). Every conversation runs inside network namespaces this script
# creates and deletes: a loopback of its own (fixed ports, nobody else's
# traffic) and, for ARP, two namespaces joined by a veth pair. No address is
# added outside them.
#
#   sudo captures/record.sh            # all of them
#   sudo captures/record.sh tcp-chat   # only those named
#
# Needs root, tcpdump, dumpcap (wireshark-common), ip (iproute2), python3,
# and a built synack (npm install). Takes about a minute.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SYNACK="node $ROOT/bin/synack.js"
PORT=8080          # the lessons' port
CLOSED=8081        # nothing listens here
TAG=$$
NS=synack-rec-$TAG
NS_SPLIT=synack-split-$TAG
NS_A=synack-a-$TAG
NS_B=synack-b-$TAG
WORK=$(mktemp -d)
PIDS=()

die() { echo "record.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces and capture): sudo $0"
for tool in tcpdump dumpcap ip python3 node timeout; do command -v $tool >/dev/null || die "needs $tool"; done
[ -f "$ROOT/dist/cli.js" ] || die "synack is not built: run npm install (or npm run build) first"

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in $NS $NS_SPLIT $NS_A $NS_B; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# A namespace with its loopback up (127.0.0.1 and ::1).
ip netns add $NS
ip -n $NS link set lo up

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_for FILE TEXT: until TEXT appears in FILE (5 s at most).
wait_for() {
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  die "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
}

# cap_start NS IFACE FILE [tcpdump options...] [filter]: capture until cap_stop.
# Immediate mode and a large buffer: on loopback a burst of big segments
# otherwise overruns libpcap's default ring and tcpdump drops packets.
cap_start() {
  local ns=$1 iface=$2 file=$3; shift 3
  CAP_FILE=$file
  CAP_LOG=$WORK/$(basename "$file").log
  # Not through in_ns: a function in the background is a subshell, and $! would be its pid.
  ip netns exec "$ns" timeout 60 tcpdump -i "$iface" -U --immediate-mode -B 65536 -Z root -w "$WORK/$(basename "$file")" "$@" >"$CAP_LOG" 2>&1 &
  CAP_PID=$!
  PIDS+=($CAP_PID)
  wait_for "$CAP_LOG" 'listening on'
}

cap_stop() {
  sleep 0.5
  kill -TERM $CAP_PID
  wait $CAP_PID || true
  grep -qx '0 packets dropped by kernel' "$CAP_LOG" || die "tcpdump dropped packets while recording $CAP_FILE: $(cat "$CAP_LOG")"
  mv "$WORK/$(basename "$CAP_FILE")" "$CAP_FILE"
  chmod 644 "$CAP_FILE"
}

# server_start NS ARGS...: a chat server in the background, until server_stop.
server_start() {
  local ns=$1; shift
  SERVER_LOG=$WORK/server.log
  ip netns exec "$ns" timeout 60 $SYNACK chat server "$@" >"$SERVER_LOG" 2>&1 </dev/null &
  SERVER_PID=$!
  PIDS+=($SERVER_PID)
  wait_for "$SERVER_LOG" 'listening on'
}

server_stop() {
  kill -TERM $SERVER_PID 2>/dev/null || true
  wait $SERVER_PID || true
}

# lines DELAY LINE...: what a person types, one line every DELAY seconds.
lines() {
  local delay=$1; shift
  sleep "$delay"
  for l in "$@"; do printf '%s\n' "$l"; sleep "$delay"; done
}

# client NS "LINES..." ARGS...: a chat client fed LINES (one per argument of `lines`).
client() {
  local ns=$1; shift
  in_ns "$ns" timeout 30 $SYNACK chat client "$@" >"$WORK/client.log" 2>&1 || true
}

# merge_traces OUT IN...: the programs' send()/recv() events, both sides, in time order.
merge_traces() {
  local out=$1; shift
  python3 - "$out" "$@" <<'EOF'
import json, sys
events = []
for name in sys.argv[2:]:
    with open(name) as f:
        events += [json.loads(l) for l in f if l.strip()]
events.sort(key=lambda e: (e["tsSec"], e["tsNsec"]))
with open(sys.argv[1], "w") as f:
    for e in events:
        f.write(json.dumps(e, separators=(",", ":")) + "\n")
EOF
  chmod 644 "$out"
}

wanted() { [ ${#ONLY[@]} -eq 0 ] && return 0; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1; }
ONLY=("$@")

# A conversation as in the lessons: the server answers in upper case.
chat() { # FILE HOST [tcpdump options...]
  local file=$1 host=$2; shift 2
  cap_start $NS lo "$file" "$@"
  server_start $NS --host "$host" --port $PORT --echo upper
  lines 0.3 'hello' 'how are you?' 'bye' | client $NS --host "$host" --port $PORT
  server_stop
  cap_stop
}

if wanted tcp-chat; then chat "$HERE/tcp-chat.pcap" 127.0.0.1; fi
if wanted tcp-chat-v6; then chat "$HERE/tcp-chat-v6.pcap" ::1; fi
if wanted tcp-chat-ns; then chat "$HERE/tcp-chat-ns.pcap" 127.0.0.1 --time-stamp-precision nano; fi

if wanted tcp-chat-any; then
  # -i any: Linux cooked capture (SLL2 headers instead of Ethernet).
  cap_start $NS any "$HERE/tcp-chat-any.pcap"
  server_start $NS --port $PORT --echo upper
  lines 0.3 'hello' 'how are you?' 'bye' | client $NS --port $PORT
  server_stop
  cap_stop
fi

# burst FILE SERVER-OPTIONS -- CLIENT-OPTIONS: five messages in one loop, then bye.
burst() {
  local file=$1; shift
  local sopts=() copts=()
  while [ "$1" != -- ]; do sopts+=("$1"); shift; done
  shift
  copts=("$@")
  cap_start $NS lo "$file"
  server_start $NS --port $PORT --trace "$WORK/server.jsonl" "${sopts[@]}"
  lines 1 'bye' | client $NS --port $PORT --trace "$WORK/client.jsonl" --burst 5 "${copts[@]}"
  server_stop
  cap_stop
  merge_traces "${file%.pcap}.trace.jsonl" "$WORK/server.jsonl" "$WORK/client.jsonl"
}

if wanted burst-cork; then burst "$HERE/burst-cork.pcap" -- --cork; fi
if wanted burst-cork-length; then burst "$HERE/burst-cork-length.pcap" --framing length -- --cork --framing length; fi
if wanted burst-plain; then burst "$HERE/burst-plain.pcap" -- ; fi
if wanted burst-slow-reader; then burst "$HERE/burst-slow-reader.pcap" --slow-reader 300 -- ; fi

if wanted split; then
  # A loopback with Ethernet's MTU and no segmentation offload, so the kernel
  # cuts a 10,000-byte message into 1448-byte segments as a real link would
  # (on a normal loopback one segment carries up to 64 KiB).
  ip netns add $NS_SPLIT
  ip -n $NS_SPLIT link set lo up mtu 1500
  ip -n $NS_SPLIT link set dev lo gso_max_size 1500 gso_max_segs 1
  cap_start $NS_SPLIT lo "$HERE/split.pcap"
  server_start $NS_SPLIT --port $PORT
  big=$(python3 -c "print(('0123456789abcdefghijklmnopqrstuvwxyz' * 300)[:10000])")
  lines 0.3 "$big" 'bye' | client $NS_SPLIT --port $PORT
  server_stop
  cap_stop
  ip netns del $NS_SPLIT
fi

if wanted refused; then
  cap_start $NS lo "$HERE/refused.pcap"
  client $NS --port $CLOSED </dev/null
  grep -q 'refused the connection' "$WORK/client.log" || die "refused: the client did not report the refusal: $(cat "$WORK/client.log")"
  cap_stop
fi

if wanted reset; then
  cap_start $NS lo "$HERE/reset.pcap"
  server_start $NS --port $PORT --echo upper
  lines 0.3 'hello' 'bye' | client $NS --port $PORT --rst
  server_stop
  cap_stop
fi

if wanted half-close; then
  cap_start $NS lo "$HERE/half-close.pcap"
  server_start $NS --port $PORT --echo upper
  # End of input with --half-close: shutdown(SHUT_WR), then read the server's last words.
  lines 0.3 'hello' 'how are you?' | client $NS --port $PORT --half-close
  server_stop
  cap_stop
fi

if wanted udp-chat; then
  cap_start $NS lo "$HERE/udp-chat.pcap"
  server_start $NS --port $PORT --udp --echo upper
  # Three datagrams in one loop, then typed lines; the empty line is an empty datagram.
  lines 0.3 'hello' '' 'bye' | client $NS --port $PORT --udp --burst 3
  server_stop
  cap_stop
fi

if wanted udp-closed; then
  # Nothing listens on the port: the kernel answers each datagram with an ICMP
  # port unreachable that quotes it (UDP has no RST to refuse with).
  cap_start $NS lo "$HERE/udp-closed.pcap"
  # The client stops at the error it is told of (ECONNREFUSED), so the second line may meet a closed pipe.
  lines 0.3 'hello' 'anyone?' | client $NS --port $CLOSED --udp || true
  grep -q 'refused the datagram' "$WORK/client.log" || die "udp-closed: the client did not report the refusal: $(cat "$WORK/client.log")"
  cap_stop
fi

if wanted arp-ping; then
  # The lessons' LAN: 192.168.1.12/24 and 192.168.1.13/24 on one link. A ping
  # to a neighbour needs its MAC first (ARP); a ping to an address in the
  # subnet where nobody is gets three unanswered ARP requests.
  ip netns add $NS_A
  ip netns add $NS_B
  ip link add veth-a netns $NS_A type veth peer name veth-b netns $NS_B
  ip -n $NS_A addr add 192.168.1.12/24 dev veth-a
  ip -n $NS_B addr add 192.168.1.13/24 dev veth-b
  ip -n $NS_A link set veth-a up
  ip -n $NS_B link set veth-b up
  ip -n $NS_A link set lo up
  ip -n $NS_B link set lo up
  sleep 0.5 # let IPv6 duplicate-address detection and router solicitations pass
  cap_start $NS_A veth-a "$HERE/arp-ping.pcap" 'arp or icmp'
  # ping(8) is not always installed: the same echo requests from a raw socket.
  in_ns $NS_A python3 - <<'EOF'
import os, socket, struct, time
def checksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF
def ping(dst, count, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(wait)
    ident = os.getpid() & 0xFFFF
    for seq in range(1, count + 1):
        payload = b"synack ping " + bytes(range(20))
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, checksum(hdr + payload), ident, seq) + payload
        s.sendto(pkt, (dst, 0))
        try:
            s.recv(1500)
        except socket.timeout:
            pass
        time.sleep(0.3)
ping("192.168.1.13", 2, 1)
ping("192.168.1.99", 1, 3.5)
EOF
  cap_stop
  ip netns del $NS_A
  ip netns del $NS_B
fi

if wanted chat-demo; then
  # The demo's whole script (the fallback of `synack demo` without live
  # capture), as pcapng from dumpcap, and the programs' own events beside it.
  ip netns exec $NS timeout 60 dumpcap -q -i lo -w "$WORK/chat-demo.pcapng" >"$WORK/dumpcap.log" 2>&1 &
  CAP_PID=$!
  PIDS+=($CAP_PID)
  wait_for "$WORK/dumpcap.log" 'Capturing on'
  sleep 0.3
  in_ns $NS timeout 60 $SYNACK demo --no-capture --once --port $PORT --trace "$WORK/chat-demo.trace.jsonl" >"$WORK/demo.log" 2>&1 || die "the demo failed: $(cat "$WORK/demo.log")"
  sleep 0.5
  kill -TERM $CAP_PID
  wait $CAP_PID || true
  mv "$WORK/chat-demo.pcapng" "$HERE/chat-demo.pcapng"
  mv "$WORK/chat-demo.trace.jsonl" "$HERE/chat-demo.trace.jsonl"
  chmod 644 "$HERE/chat-demo.pcapng" "$HERE/chat-demo.trace.jsonl"
fi

if wanted chat-comments; then
  # The demo's first eleven frames, annotated: editcap -a writes what Wireshark's
  # packet comment dialog writes; annotate.py adds what editcap cannot: a second
  # comment on a frame, escape sequences and control bytes, bytes that are not
  # UTF-8, an empty comment, one cut short by a NUL. Needs only editcap.
  command -v editcap >/dev/null || die "needs editcap (wireshark-common)"
  editcap -r "$HERE/chat-demo.pcapng" "$WORK/demo-11.pcapng" 1-11
  editcap -a '1:SYN: the client opens the connection to port 8080' -a '4:the first message: hello' \
    -a '11:three messages in one segment: the corked burst' "$WORK/demo-11.pcapng" "$WORK/annotated.pcapng"
  python3 "$HERE/annotate.py" "$WORK/annotated.pcapng" "$HERE/chat-comments.pcapng" \
    '4:a second comment on the same frame, with a comma' \
    '6:\x1b]0;retitled\x07\x1b[31mred\x1b[0m\ttab\r\nsecond line' \
    '8:caf\xc3\xa9 is UTF-8; \xff\xfe is not; \xe2\x80\xae is a bidi override' \
    '9:' '9:shown\x00hidden after a NUL'
  chmod 644 "$HERE/chat-comments.pcapng"
fi

for f in "$HERE"/*.pcap "$HERE"/*.pcapng; do
  [ -f "$f" ] || continue
  printf '%-28s %5d frames %7d bytes\n' "$(basename "$f")" "$(tcpdump -r "$f" 2>/dev/null | wc -l)" "$(stat -c %s "$f")"
done
