import {
  buildSchema,
  type GraphQLArgument,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

const described = (element: { description?: string | null | undefined }) => Boolean(element.description?.trim());

/** Every schema element a client reads without a description, as `Type`, `Type.field`, `Type.field(arg)`. */
function undescribed(target: GraphQLSchema): string[] {
  const missing: string[] = [];
  const checkArgs = (owner: string, args: readonly GraphQLArgument[]) => {
    for (const arg of args) if (!described(arg)) missing.push(`${owner}(${arg.name})`);
  };
  for (const type of Object.values(target.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!described(type)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field)) missing.push(`${type.name}.${field.name}`);
        checkArgs(`${type.name}.${field.name}`, field.args);
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field)) missing.push(`${type.name}.${field.name}`);
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (!described(value)) missing.push(`${type.name}.${value.name}`);
    }
  }
  for (const directive of target.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (!described(directive)) missing.push(`@${directive.name}`);
    checkArgs(`@${directive.name}`, directive.args);
  }
  return missing;
}

describe('schema descriptions', () => {
  it('describe every type, field, argument, enum value and input field', () => {
    // An empty list, or the elements still to describe.
    expect(undescribed(schema)).toEqual([]);
  });

  it('are checked everywhere (the walker finds what is missing)', () => {
    const sample = buildSchema(`
      """Described."""
      type Query { a(x: Int): E, """ok""" b(""" ok """ y: I): String }
      enum E { """ok""" ONE TWO }
      input I { """ " """ f: Int, g: Int }
      directive @d(z: Int) on FIELD
      union U = Query
      scalar S
    `);
    expect(undescribed(sample).sort()).toEqual(
      ['E', 'E.TWO', 'I', 'I.g', 'Query.a', 'Query.a(x)', '@d', '@d(z)', 'U', 'S'].sort(),
    );
  });
});
