// Bundle entry (esbuild → dist/rest-typings.cjs): Rocket.Chat's request validators from
// @rocket.chat/rest-typings, plus qs, the query-string parser Rocket.Chat's http-router uses.
// The package's dist/ is ESM with extensionless imports, which Node 20 cannot load; the
// bundle can. isChannelsInviteProps exists in dist/ but is not re-exported from the index.
export * from '@rocket.chat/rest-typings';
export { isChannelsInviteProps } from '@rocket.chat/rest-typings/dist/v1/channels/ChannelsInviteProps';
export { default as qs } from 'qs';
