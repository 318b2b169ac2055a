/**
 * The API versions an org serves, as `GET /services/data/` lists them, oldest first:
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
 * Versions up to 30.0 are retired and 31.0 is the oldest supported
 * (https://developer.salesforce.com/docs/platform/api/guide/api-eol-soap.html), so the list starts
 * at 31.0 (Summer '14); three releases a year follow: Winter, Spring, Summer.
 */
export const OLDEST_VERSION = 31;

/** 31 → "Summer '14", 66 → "Spring '26", 67 → "Summer '26", 68 → "Winter '27". */
export const releaseName = (major: number): string => {
  const step = major - OLDEST_VERSION;
  const season = ['Summer', 'Winter', 'Spring'][step % 3] ?? 'Summer';
  return `${season} '${String(14 + Math.floor((step + 2) / 3)).padStart(2, '0')}`;
};

export interface VersionInfo {
  readonly label: string;
  readonly url: string;
  readonly version: string;
}

export const versionList = (newest: number): VersionInfo[] =>
  Array.from({ length: newest - OLDEST_VERSION + 1 }, (_, i) => {
    const major = OLDEST_VERSION + i;
    return { label: releaseName(major), url: `/services/data/v${major}.0`, version: `${major}.0` };
  });
