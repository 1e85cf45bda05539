/**
 * How large a record can honestly be. A reader that trusted a damaged length
 * field would wait for bytes that never come (pcap-parser does, forever) or
 * buffer gigabytes; wiretap instead rejects a record longer than the largest
 * packet its link type can carry, and synack uses the same limits so that it
 * stops on exactly the files tshark stops on.
 */

/** wiretap's WTAP_MAX_PACKET_SIZE_STANDARD: the snapshot length no link type but a few exceeds. */
export const MAX_SNAPLEN_STANDARD = 262144;
/** WTAP_MAX_PACKET_SIZE_DBUS (and USBPCAP): 128 MiB. */
export const MAX_SNAPLEN_LARGE = 128 * 1024 * 1024;
/** WTAP_MAX_PACKET_SIZE_EBHSCR: 32 MiB. */
export const MAX_SNAPLEN_EBHSCR = 32 * 1024 * 1024;

const LINKTYPE_USB_LINUX_MMAPPED = 220;
const LINKTYPE_DBUS = 231;
const LINKTYPE_USBPCAP = 249;
const LINKTYPE_EBHSCR = 279;

/** Largest captured length a record of `linkType` may have (wiretap's wtap_max_snaplen_for_encap). */
export function maxSnapLen(linkType: number): number {
  switch (linkType) {
    case LINKTYPE_DBUS:
    case LINKTYPE_USBPCAP:
    case LINKTYPE_USB_LINUX_MMAPPED:
      return MAX_SNAPLEN_LARGE;
    case LINKTYPE_EBHSCR:
      return MAX_SNAPLEN_EBHSCR;
    default:
      return MAX_SNAPLEN_STANDARD;
  }
}

/**
 * pcapng: wiretap's MAX_BLOCK_SIZE, an enhanced packet block holding the
 * largest D-Bus packet plus 128 KiB of options. Any longer block is damage.
 */
export const PCAPNG_MAX_BLOCK = 32 + MAX_SNAPLEN_LARGE + 131072;
/** Options a packet block may carry beyond its data (the 128 KiB in MAX_BLOCK_SIZE). */
export const PCAPNG_MAX_PACKET_OPTIONS = 131072;
/**
 * Section header and interface description blocks are buffered whole; real
 * ones are well under a kilobyte (a few text options), so 1 MiB is generous
 * and keeps a damaged length from buffering 128 MiB.
 */
export const PCAPNG_MAX_METADATA_BLOCK = 1024 * 1024;

/**
 * Bytes of pseudo-header that records of these link types start with
 * (wiretap's pcap_get_phdr_size). wiretap strips them from the frame, so
 * tshark's frame.len and frame.cap_len leave them out; synack does the same,
 * leaving them just before the frame's `offset` for a decoder that wants them.
 */
export function pseudoHeaderLen(linkType: number): number {
  switch (linkType) {
    case 123: // SUNATM: direction/VPI/VCI
    case 139: // MTP2_WITH_PHDR
    case 201: // BLUETOOTH_HCI_H4_WITH_PHDR: direction
    case 209: // I2C_LINUX
      return 4;
    case 144: // LINUX_IRDA: an SLL-like header
    case 177: // LINUX_LAPD
      return 16;
    case 196: // SITA
      return 5;
    case 204: // PPP_WITH_DIR: direction byte
      return 1;
    default:
      return 0;
  }
}
