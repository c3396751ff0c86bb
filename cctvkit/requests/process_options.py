"""The choices staff make for one release (``request process``'s options).

Their own module so that what reads them (the repeat-release digest, the review page's approve
job) need not import the whole release process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cctvkit.redact.identity import DEFAULT_MAX_DISTANCE
from cctvkit.redact.options import FaceCheckOptions, RedactOptions

__all__ = ["ProcessOptions"]


@dataclass(frozen=True, slots=True)
class ProcessOptions:
    """Choices staff make for one release.

    Attributes:
        keep_tracks: per clip number, the track ids (from ``request review``) left visible; for
            those clips they replace the review page's kept tracks (its manual masks still apply).
        withhold: per clip number, the reason it is not released (13.9.1: e.g. faces that cannot
            be masked reliably); the release becomes partial and names it.
        unredacted: an unredacted police copy (needs a second person's approval).
        passphrase: also write an encrypted archive of the package with this passphrase.
        redact: detection, tracking, masking and encoding parameters (``None``: the site's
            ``[redaction]``).
        keep_face: a photo of the requester; in every clip the tracks whose face matches it are
            left visible too (one analysis and one render per clip; needs the extra ``faces``).
        max_face_distance: ``keep_face``'s similarity threshold (embedding distance).
        mask_everyone: mask every face, the requester's too, on purpose (a subject request must
            otherwise keep a track or a face; recorded in the manifest).
        face_check: how each redacted clip is checked for faces still visible and re-masked (issue
            17); a clip with findings remaining stops the run (nothing is published) unless it
            is withheld or accepted.
        accept_faces: per clip number, the reason staff accept the faces the face check still sees
            in it (recorded in the manifest, the audit log and ``request show``).
        withhold_stills: per still number (``still-N``), the reason it is not released.
        accept_still_faces: per still number, the reason staff accept the face check's findings in it.
        new_release: why a release is made although the request has one from the same footage
            and decisions (issue 30; recorded); None: such a run is refused.
        requester_only: release the requester alone in view, everything else masked (issue 26;
            subject requests only); None: the site's ``[redaction]
            requester_only_for_subject_requests`` for a subject request.

    Stills (snapshots, 12.6) are redacted with the same detector, options, privacy zones and
    face check as the clips; ``keep_face`` applies to them, ``keep_tracks`` cannot (no tracks).
    """

    keep_tracks: Mapping[int, frozenset[int]] = field(default_factory=dict)
    withhold: Mapping[int, str] = field(default_factory=dict)
    unredacted: bool = False
    passphrase: str | None = None
    redact: RedactOptions | None = None
    keep_face: Path | None = None
    max_face_distance: float = DEFAULT_MAX_DISTANCE
    mask_everyone: bool = False
    face_check: FaceCheckOptions = field(default_factory=FaceCheckOptions)
    accept_faces: Mapping[int, str] = field(default_factory=dict)
    withhold_stills: Mapping[int, str] = field(default_factory=dict)
    accept_still_faces: Mapping[int, str] = field(default_factory=dict)
    new_release: str | None = None
    requester_only: bool | None = None
