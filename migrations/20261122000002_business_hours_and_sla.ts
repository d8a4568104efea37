import type { Knex } from 'knex';

// Business-hours calendars (weekly hours in a time zone, holidays) and SLA
// policies (targets by priority and optionally team, in calendar or business hours).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('business_calendars', (table) => {
    table.increments('id');
    table.string('name', 100).notNullable().unique();
    table.string('timezone', 64).notNullable();
    // JSON: ISO weekday (1 = Monday .. 7 = Sunday) → list of ["HH:MM", "HH:MM"] open intervals.
    table.text('weekly_hours').notNullable();
    table.boolean('is_default').notNullable().defaultTo(false);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
  });

  await knex.schema.createTable('calendar_holidays', (table) => {
    table.integer('calendar_id').unsigned().notNullable().references('id').inTable('business_calendars').onDelete('CASCADE');
    table.string('date', 10).notNullable(); // YYYY-MM-DD in the calendar's time zone
    table.string('name', 100).nullable();
    table.primary(['calendar_id', 'date']);
  });

  await knex.schema.createTable('sla_policies', (table) => {
    table.increments('id');
    table.string('name', 100).notNullable();
    table.string('priority', 16).nullable(); // null: any priority
    table.string('team', 200).nullable(); // null: any team
    table.integer('first_response_seconds').nullable();
    table.integer('next_reply_seconds').nullable();
    table.integer('resolution_seconds').nullable();
    table.boolean('business_hours').notNullable().defaultTo(false);
    table.integer('calendar_id').unsigned().nullable().references('id').inTable('business_calendars').onDelete('SET NULL');
    table.text('pause_statuses').notNullable().defaultTo('[]'); // JSON list, e.g. ["pending","on-hold"]
    table.integer('position').notNullable().defaultTo(0); // first matching policy by position wins
    table.boolean('enabled').notNullable().defaultTo(true);
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.index(['enabled', 'position']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sla_policies');
  await knex.schema.dropTable('calendar_holidays');
  await knex.schema.dropTable('business_calendars');
}
