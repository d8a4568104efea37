import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, redactPayload } from '../../src/ingest/redact.js';

describe('redactPayload', () => {
  it('keeps a Zendesk event\'s current and previous values only where they are codes: a changed subject is text', () => {
    const event = (type: string, current: unknown, previous: unknown) => ({ type: `zen:event-type:ticket.${type}`, id: 'e1', event: { current, previous }, detail: { id: '7', subject: 'Printer on fire' } });
    expect(redactPayload(event('status_changed', 'SOLVED', 'OPEN'))).toMatchObject({ event: { current: 'SOLVED', previous: 'OPEN' } });
    expect(redactPayload(event('group_assignment_changed', '360001234567', null))).toMatchObject({ event: { current: '360001234567', previous: null } });
    const subject = JSON.stringify(redactPayload(event('subject_changed', 'Refund still missing', 'Refund')));
    for (const text of ['Refund still missing', '"Refund"', 'Printer on fire']) expect(subject).not.toContain(text);
    expect(JSON.stringify(redactPayload(event('description_changed', 'Short text', 'Old')))).not.toContain('Short text');
  });

  it('keeps ids, codes, flags, numbers and times; removes text, names and emails', () => {
    const body = {
      id: 'notif_123',
      type: 'notification_event',
      created_at: 1392731331,
      ticket: {
        id: '4321', status: 'OPEN', priority: 'HIGH', subject: 'Printer on fire', description: 'It really is on fire',
        requester: { name: 'Siti Customer', email: 'siti@example.com' }, assignee_id: '501', is_public: true, tags: ['vip', 'billing'],
        customFields: [{ id: 7, name: 'Order', value: 'A-1' }],
      },
      threads: [{ type: 'message', to: ['zed@example.com'], cc: ['amy@example.org'], body: 'Hello' }],
      changelog: { items: [{ field: 'summary', fieldtype: 'jira', from: null, fromString: 'Old title', to: null, toString: 'New secret title' }] },
      fields: { status: { name: 'Waiting for customer' }, reporter: { displayName: 'Ali', name: 'ali' } },
      note: 'x'.repeat(10),
      long_status: 'y'.repeat(100),
    };
    const kept = JSON.stringify(redactPayload(body));
    for (const secret of ['Printer on fire', 'It really is on fire', 'Siti', 'siti@example.com', 'zed@example.com', 'amy@example.org', 'Hello', 'Old title', 'New secret title', 'Ali', '"ali"', 'A-1', 'xxxxxxxxxx']) {
      expect(kept).not.toContain(secret);
    }
    const redacted = redactPayload(body) as {
      id: string; created_at: number; ticket: Record<string, unknown>; long_status: string;
      changelog: { items: Record<string, unknown>[] }; fields: { status: { name: string } };
    };
    expect(redacted.id).toBe('notif_123');
    expect(redacted.created_at).toBe(1392731331);
    expect(redacted.ticket).toMatchObject({ id: '4321', status: 'OPEN', priority: 'HIGH', assignee_id: '501', is_public: true, tags: ['vip', 'billing'], subject: '[removed: 15 chars]' });
    expect(redacted.changelog.items[0]).toMatchObject({ field: 'summary', fieldtype: 'jira', toString: '[removed: 16 chars]' });
    expect(redacted.fields.status.name).toBe('Waiting for customer');
    expect(redacted.long_status).toBe('[removed: 100 chars]');
  });
});

describe('redactPayload on an admin\'s own fields', () => {
  it('removes every string under custom attributes and fields, whatever their keys are named (Passport Id, Postal Code), and keeps numbers and flags', () => {
    const body = {
      data: { item: { id: '123', custom_attributes: { 'Passport Id': 'ZEBRAPASS123', 'Postal Code': 'ZEBRA 1AA', 'Customer Status': 'VIP Jane', Seats: 12, Trial: false } } },
      ticket: { id: 7, custom_fields: [{ id: 360001, value: 'ZEBRA-ACCOUNT' }], cf: { cf_region_code: 'ZEBRA-EU' }, customFields: [{ id: 9, name: 'Order Id', value: 'ZEBRA-ORDER' }] },
      fields: { status: { name: 'Open' }, customfield_10042: { id: '5', value: 'ZEBRA-TEXT' }, customfield_10050: ['ZEBRA-A', 'ZEBRA-B'] },
    };
    const kept = JSON.stringify(redactPayload(body));
    expect(kept).not.toContain('ZEBRA');
    const redacted = redactPayload(body) as { data: { item: { id: string; custom_attributes: Record<string, unknown> } }; fields: { status: { name: string } } };
    expect(redacted.data.item.id).toBe('123');
    expect(redacted.data.item.custom_attributes).toMatchObject({ Seats: 12, Trial: false, 'Passport Id': '[removed: 12 chars]' });
    expect(redacted.fields.status.name).toBe('Open');
  });
});

describe('redactPayload on hostile nesting', () => {
  it('removes personal data whose key ends like a code or an id, and every string of an address or a location', () => {
    const body = {
      type: 'customer.purchased', id: 'evt-1',
      customer: { id: 'c-9', postal_code: '10110', zip_code: '90210', tax_id: 'TX-77', national_id: '3174-01', promo_code: 'SAVE10', phone_number_id: '555', address: { state: 'Jawa Barat', country_code: 'ID' } },
      contact: { location: { country_code: 'MY', region_code: 'KL' }, browser_version: '120', external_id: 'cust-42' },
      customerAddress: { postalCode: '34000', state: 'TX' },
    };
    const kept = JSON.stringify(redactPayload(body));
    for (const secret of ['10110', '90210', 'TX-77', '3174-01', 'SAVE10', '"555"', 'Jawa Barat', '"ID"', '"MY"', '"KL"', '34000', '"TX"']) expect(kept, secret).not.toContain(secret);
    expect(redactPayload(body)).toMatchObject({ type: 'customer.purchased', id: 'evt-1', customer: { id: 'c-9' }, contact: { external_id: 'cust-42' } });
    // A phone number where a code belongs (a placeholder in the wrong field) goes; long ids and times stay.
    const misplaced = redactPayload({ ticket: { id: '360001234567', priority: '+62 812 3456 7890', status: '0812-3456-789', updated_at: '2026-03-11 12:44:19 +0530' } });
    expect(misplaced).toEqual({ ticket: { id: '360001234567', priority: '[removed: 17 chars]', status: '[removed: 13 chars]', updated_at: '2026-03-11 12:44:19 +0530' } });
  });

  it('cuts nesting beyond MAX_DEPTH levels instead of exhausting the stack', () => {
    const deep = JSON.parse(`${'['.repeat(300_000)}${']'.repeat(300_000)}`) as unknown;
    const kept = JSON.stringify(redactPayload(deep));
    expect(kept).toBe(`${'['.repeat(MAX_DEPTH)}"[removed: nested deeper than ${MAX_DEPTH} levels]"${']'.repeat(MAX_DEPTH)}`);
    // Ordinary nesting is untouched.
    expect(redactPayload({ a: { b: [{ id: 'x' }] } })).toEqual({ a: { b: [{ id: 'x' }] } });
  });
});
