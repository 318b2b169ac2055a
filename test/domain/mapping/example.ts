/** The example of docs/mapping.md, as HubSpot names its properties. */
export const EXAMPLE = {
  lead: {
    fields: {
      company_size: '{{custom.companySize}}',
      jobtitle: '{{form.Job title|custom.role}}',
      chat_platform: '{{source}}',
      hs_lead_status: 'NEW',
    },
  },
  case: { fields: { hs_ticket_priority: '{{form.Priority|"MEDIUM"}}' } },
  contact: { fields: { city: '{{visitor.city}}' } },
  owner: 'agent',
  company: 'match',
  overwrite: ['hs_lead_status'],
};
