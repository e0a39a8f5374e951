/** Points the SDK and the handlers at the deployed local stack, as the stack configures its Lambdas. */
import { inject } from 'vitest';
import { lambdaEnv } from '../../../scripts/local/deploy.js';

const { awsEnv, outputs } = inject('localStack');
Object.assign(process.env, awsEnv, lambdaEnv(outputs));
