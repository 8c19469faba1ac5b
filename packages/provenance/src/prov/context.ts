/**
 * The JSON-LD context of every PROV document sealpack writes, shipped inline: no remote context is
 * ever fetched (a document that names one is refused when read). Terms map to PROV-O
 * (https://www.w3.org/TR/prov-o/), DCAT 3, Dublin Core terms and XSD datatypes; `sealpack:` holds
 * the few facts those vocabularies have no term for.
 */
export const PROV_CONTEXT = {
  '@version': 1.1,
  prov: 'http://www.w3.org/ns/prov#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  sealpack: 'https://sealpack.dev/ns/provenance#',
  Entity: 'prov:Entity',
  Activity: 'prov:Activity',
  Agent: 'prov:Agent',
  SoftwareAgent: 'prov:SoftwareAgent',
  Person: 'prov:Person',
  Organization: 'prov:Organization',
  Parameter: 'sealpack:Parameter',
  used: { '@id': 'prov:used', '@type': '@id', '@container': '@set' },
  wasGeneratedBy: { '@id': 'prov:wasGeneratedBy', '@type': '@id' },
  wasAssociatedWith: { '@id': 'prov:wasAssociatedWith', '@type': '@id', '@container': '@set' },
  wasDerivedFrom: { '@id': 'prov:wasDerivedFrom', '@type': '@id', '@container': '@set' },
  wasAttributedTo: { '@id': 'prov:wasAttributedTo', '@type': '@id', '@container': '@set' },
  startedAtTime: { '@id': 'prov:startedAtTime', '@type': 'xsd:dateTime' },
  endedAtTime: { '@id': 'prov:endedAtTime', '@type': 'xsd:dateTime' },
  title: 'dct:title',
  identifier: 'dct:identifier',
  format: 'dct:format',
  byteSize: { '@id': 'dcat:byteSize', '@type': 'xsd:nonNegativeInteger' },
  version: 'dcat:version',
  checksum: 'sealpack:sha256',
  command: 'sealpack:command',
  parameter: { '@id': 'sealpack:parameter', '@container': '@set' },
  key: 'sealpack:key',
  value: 'sealpack:value',
} as const;
