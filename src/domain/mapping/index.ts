/** Field mapping (`MAPPING_FILE`): the file's shape, its templates and attributes, and what a conversation maps to. */
export { ATTRIBUTES, attributeProblem, keyOf, operatorOf } from './attributes';
export {
  MappingCodec,
  NO_MAPPING,
  RECORD_KINDS,
  decodeMapping,
  kindsFor,
  type CompanyRule,
  type Mapping,
  type OwnerRule,
  type RecordKind,
} from './file';
export { applyFields, mapConversation, type MappedFields } from './evaluate';
export { parseTemplate, renderTemplate, type Template } from './template';
export { companyDomainOf, emailDomain, isFreeMailDomain } from './company';
