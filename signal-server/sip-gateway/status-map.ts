/**
 * SIP's final answers to an INVITE, as the phone knows them (PROTOCOL.md, SIP gateway): each SIP
 * status becomes one the phone already shows. The other way needs no map: every status a phone or
 * this server answers is a SIP status with the same meaning.
 */

/** The status the phone gets for SIP's final answer `sip` (300 to 699) to its INVITE or re-INVITE. */
export function phoneStatus(sip: number): number {
  switch (sip) {
    case 404: // Not Found
    case 484: // Address Incomplete
    case 604: // Does Not Exist Anywhere
      return 404;
    case 486: // Busy Here
    case 600: // Busy Everywhere
      return 486;
    case 603: // Decline
      return 603;
    case 487: // Request Terminated
      return 487;
    case 408: // Request Timeout
      return 408;
    case 488: // Not Acceptable Here
    case 606: // Not Acceptable
      return 488;
    case 491: // Request Pending
      return 491;
    default: // 480 and everything else: the far end cannot be reached now
      return 480;
  }
}
