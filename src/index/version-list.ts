/**
 * GET /index/versions: every version on disk with its counts and creation time, read from the manifests (no
 * verification: opening a version for `activate` verifies it), and which one `current` names and which serves.
 */
import { listVersions, versionDir } from './index-store.js';
import { readManifest } from './manifest.js';

/** One version as listed. */
export interface VersionInfo {
  version: string;
  /** When it was built (the manifest's `built_at`); undefined when its manifest cannot be read. */
  createdAt?: string;
  documents: number;
  passages: number;
  segments: number;
  current: boolean;
  serving: boolean;
  /** Why it cannot serve (a damage mark, or a manifest that cannot be read). */
  damaged?: string;
}

/** What the listing needs besides the folders. */
export interface VersionState {
  pointed: string | undefined;
  serving: string | undefined;
  damage: (version: string) => Promise<string | undefined>;
}

/** The versions in `indexDir`, oldest first. */
export async function describeVersions(indexDir: string, state: VersionState): Promise<VersionInfo[]> {
  const out: VersionInfo[] = [];
  for (const version of await listVersions(indexDir)) {
    const flags = { current: version === state.pointed, serving: version === state.serving };
    const damaged = await state.damage(version);
    try {
      const m = await readManifest(versionDir(indexDir, version));
      out.push({
        version, createdAt: m.built_at, documents: m.documents, passages: m.passages,
        segments: m.segments?.length ?? 1, ...flags, ...(damaged !== undefined ? { damaged } : {}),
      });
    } catch (err) {
      const reason = damaged ?? `its manifest cannot be read: ${err instanceof Error ? err.message : String(err)}`;
      out.push({ version, documents: 0, passages: 0, segments: 0, ...flags, damaged: reason });
    }
  }
  return out;
}
